import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import type { SessionInfo } from "./bindings/SessionInfo";
import { deferred, failure, installCore } from "./test/fakeCore";
import { SESSION, searchFixtures } from "./test/fixtures";

const search = ({ query, limit }: Record<string, unknown>) => searchFixtures(String(query), Number(limit));

async function fillSignIn(email: string, password: string) {
  const user = userEvent.setup();
  const emailField = await screen.findByLabelText("Email");
  expect(emailField).toHaveFocus();
  await user.type(emailField, email);
  await user.type(screen.getByLabelText("Password"), password);
  return user;
}

describe("startup", () => {
  it("shows a quiet opening state, then sign-in when nobody is signed in", async () => {
    const pending = deferred<SessionInfo | null>();
    installCore({ session: () => pending.promise });
    render(<App />);

    expect(screen.getByText("Opening…")).toBeInTheDocument();
    pending.resolve(null);

    expect(await screen.findByRole("heading", { name: "Rounds" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sign in" })).toHaveAttribute("id", "sign-in");
  });

  it("goes straight to the patient list when a session exists", async () => {
    installCore({ session: () => ({ ...SESSION, online: false }), search_patients: search });
    render(<App />);

    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
    expect(screen.getByTestId("connection-status")).toHaveTextContent(/^Offline — working from this device$/);
  });

  it("explains calmly when the local database is too new, and that nothing was overwritten", async () => {
    installCore({ session: () => failure("database_too_new", "database schema version 9 is newer than this app (7)") });
    render(<App />);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The patient database on this device cannot be opened");
    expect(alert).toHaveTextContent("Nothing was overwritten.");
    expect(alert).toHaveTextContent("database schema version 9 is newer than this app (7)");
    expect(screen.queryByLabelText("Email")).not.toBeInTheDocument();
  });

  it("shows the same screen for a corrupt database", async () => {
    installCore({ session: () => failure("database_corrupt", "file is not a database") });
    render(<App />);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("appears to be damaged");
    expect(alert).toHaveTextContent("file is not a database");
  });

  it("offers a retry for other startup failures", async () => {
    let attempts = 0;
    installCore({ session: () => (++attempts === 1 ? failure("internal", "keychain locked") : null) });
    render(<App />);

    expect(await screen.findByRole("alert")).toHaveTextContent("keychain locked");
    await userEvent.setup().click(screen.getByRole("button", { name: "Try again" }));

    expect(await screen.findByLabelText("Email")).toBeInTheDocument();
    expect(attempts).toBe(2);
  });
});

describe("sign-in", () => {
  it("signs in with Enter and lands on the patient list", async () => {
    const core = installCore({ session: () => null, sign_in: () => SESSION, search_patients: search });
    render(<App />);

    const user = await fillSignIn("ana.ruiz@clinic.test", "correct horse");
    await user.keyboard("{Enter}");

    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
    expect(core.argsOf("sign_in")).toEqual([{ email: "ana.ruiz@clinic.test", password: "correct horse", totp: null }]);
    expect(screen.getByText("Ana Ruiz, NP")).toBeInTheDocument();
    expect(screen.getByText("Nurse practitioner")).toBeInTheDocument();
    expect(screen.getByTestId("connection-status")).toHaveTextContent(/^Online$/);
    expect(screen.getByText("3 patients on this device")).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Search patients" })).toHaveFocus();
  });

  it("shows progress while the patients download", async () => {
    const pending = deferred<SessionInfo>();
    installCore({ session: () => null, sign_in: () => pending.promise, search_patients: search });
    render(<App />);

    const user = await fillSignIn("ana.ruiz@clinic.test", "pw");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    const button = screen.getByRole("button", { name: "Signing in…" });
    expect(button).toBeDisabled();
    expect(screen.getByText("Downloading your patients to this device")).toBeInTheDocument();

    pending.resolve(SESSION);
    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
  });

  it("counts the records of a long first download", async () => {
    const pending = deferred<SessionInfo>();
    installCore({
      session: () => null,
      sign_in: () => pending.promise,
      search_patients: search,
      sync_status: () => ({
        pending: 0,
        rejected: 0,
        last_synced_at: null,
        offline_since: null,
        progress: { done: 12000, total: 100000 },
      }),
    });
    render(<App />);
    const user = await fillSignIn("ana.ruiz@clinic.test", "pw");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByTestId("download-count")).toHaveTextContent("12,000 of 100,000 records");
    expect(screen.getByRole("progressbar", { name: "Download progress" })).toHaveAttribute("value", "12000");
    pending.resolve(SESSION);
    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
  });

  it("maps invalid_credentials, clears the password and keeps the email", async () => {
    installCore({ session: () => null, sign_in: () => failure("invalid_credentials", "401 from server") });
    render(<App />);

    const user = await fillSignIn("ana.ruiz@clinic.test", "wrong");
    await user.keyboard("{Enter}");

    expect(await screen.findByRole("alert")).toHaveTextContent(/^Email or password is incorrect\.$/);
    expect(screen.getByLabelText("Password")).toHaveValue("");
    expect(screen.getByLabelText("Password")).toHaveFocus();
    expect(screen.getByLabelText("Email")).toHaveValue("ana.ruiz@clinic.test");
    expect(screen.getByRole("button", { name: "Sign in" })).toBeEnabled();
  });

  it("says when an account is locked after too many wrong passwords", async () => {
    installCore({ session: () => null, sign_in: () => failure("account_locked", "429 from server") });
    render(<App />);
    const user = await fillSignIn("ana.ruiz@clinic.test", "right-but-locked");
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Too many incorrect passwords. This account is locked for 15 minutes.",
    );
  });

  it("says when this computer made too many sign-in attempts", async () => {
    installCore({ session: () => null, sign_in: () => failure("rate_limited", "429 from server") });
    render(<App />);
    const user = await fillSignIn("ana.ruiz@clinic.test", "pw");
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Too many sign-in attempts from this computer. Wait a few minutes and try again.",
    );
  });

  it("maps server_unreachable and passes other messages through", async () => {
    let call = 0;
    installCore({
      session: () => null,
      sign_in: () =>
        ++call === 1 ? failure("server_unreachable", "connect ECONNREFUSED") : failure("forbidden", "Account disabled."),
    });
    render(<App />);

    const user = await fillSignIn("ana.ruiz@clinic.test", "pw");
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Cannot reach the Rounds server. Check the connection and try again.",
    );

    await user.type(screen.getByLabelText("Password"), "pw{Enter}");
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent(/^Account disabled\.$/));
  });

  it("signs out back to the sign-in screen", async () => {
    const core = installCore({ session: () => SESSION, search_patients: search, sign_out: () => null });
    render(<App />);

    await screen.findAllByTestId("patient-row");
    await userEvent.setup().click(screen.getByRole("button", { name: "Sign out" }));

    expect(await screen.findByLabelText("Email")).toBeInTheDocument();
    expect(core.argsOf("sign_out")).toHaveLength(1);
  });
});

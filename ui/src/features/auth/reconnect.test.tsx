import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, TODAY, searchFixtures, syncStatusOf, todayAt } from "../../test/fixtures";

const search: Handler = ({ query, limit }) => searchFixtures(String(query), Number(limit));
const OFFLINE = { ...SESSION, online: false };

function renderOffline(signIn: Handler) {
  const core = installCore({
    session: () => OFFLINE,
    search_patients: search,
    sync_status: () => syncStatusOf(),
    sign_in: signIn,
  });
  render(<App />);
  return core;
}

describe("reconnect", () => {
  it("asks for the password only and signs in as the same clinician", async () => {
    const core = renderOffline(() => SESSION);
    const status = await screen.findByTestId("connection-status");
    expect(status).toHaveTextContent(/^Offline — working from this device$/);
    const user = userEvent.setup();

    await user.click(screen.getByRole("button", { name: "Reconnect" }));
    const password = screen.getByLabelText("Password for ana.ruiz@clinic.test");
    expect(password).toHaveFocus();
    expect(screen.queryByLabelText("Email")).not.toBeInTheDocument();
    await user.type(password, "correct horse{Enter}");

    await waitFor(() => expect(screen.getByTestId("connection-status")).toHaveTextContent(/^Online$/));
    expect(core.argsOf("sign_in")).toEqual([{ email: "ana.ruiz@clinic.test", password: "correct horse", totp: null }]);
    expect(screen.queryByRole("button", { name: "Reconnect" })).not.toBeInTheDocument();
    // Still on the chart: the patient list did not go away.
    expect(screen.getAllByTestId("patient-row")).toHaveLength(3);
  });

  it("goes online without a password when sync renews the session kept from before a restart", async () => {
    let live = false;
    installCore({
      session: () => OFFLINE,
      search_patients: search,
      sync_status: () => syncStatusOf({ session_live: live }),
      sync_now: () => {
        live = true;
        return { pushed: 0, rejected: 0, pulled: 0 };
      },
    });
    render(<App />);
    expect(await screen.findByTestId("connection-status")).toHaveTextContent(/^Offline — working from this device$/);
    expect(screen.getByRole("button", { name: "Reconnect" })).toBeInTheDocument();

    // The background sync renewed the kept session: online, and nothing to reconnect.
    live = true;
    window.dispatchEvent(new Event("focus"));
    await waitFor(() => expect(screen.getByTestId("connection-status")).toHaveTextContent(/^Online$/), { timeout: 5_000 });
    expect(screen.queryByRole("button", { name: "Reconnect" })).not.toBeInTheDocument();
  });

  it("explains a wrong password, stays offline, and Escape closes the form", async () => {
    renderOffline(() => failure("invalid_credentials", "401"));
    const user = userEvent.setup();

    await user.click(await screen.findByRole("button", { name: "Reconnect" }));
    await user.type(screen.getByLabelText("Password for ana.ruiz@clinic.test"), "wrong{Enter}");

    expect(await screen.findByRole("alert")).toHaveTextContent(/^Email or password is incorrect\.$/);
    expect(screen.getByLabelText("Password for ana.ruiz@clinic.test")).toHaveValue("");
    expect(screen.getByTestId("connection-status")).toHaveTextContent(/^Offline — working from this device$/);

    await user.keyboard("{Escape}");
    expect(screen.queryByLabelText("Password for ana.ruiz@clinic.test")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Reconnect" })).toHaveFocus();
  });

  it("shows Offline while the server stops answering, without asking for a password", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(TODAY);
    installCore({
      session: () => SESSION,
      search_patients: search,
      sync_status: () => syncStatusOf({ pending: 1, offline_since: todayAt(9, 12) }),
    });
    render(<App />);

    await waitFor(() =>
      expect(screen.getByTestId("connection-status")).toHaveTextContent(/^Offline — working from this device$/),
    );
    expect(screen.getByTestId("sync-indicator")).toHaveTextContent(/^Offline since 09:12 · 1 pending$/);
    expect(screen.queryByRole("button", { name: "Reconnect" })).not.toBeInTheDocument();
  });
});

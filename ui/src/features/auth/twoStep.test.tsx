import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { SecondFactorEnrollment } from "../../bindings/SecondFactorEnrollment";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, TODAY, searchFixtures, syncStatusOf } from "../../test/fixtures";
import { groupSecret } from "./TwoStepSetup";

const search: Handler = ({ query, limit }) => searchFixtures(String(query), Number(limit));
const CODE_ASKED = "enter the 6-digit code from your authenticator app";
const WRONG_CODE = "that code is not right, or was used already: type the code the app shows now";
const MUST_ENROL = "your organisation requires a second factor: set up your authenticator app first";
const ENROLLMENT: SecondFactorEnrollment = {
  secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  otpauth_uri: "otpauth://totp/Rounds:ana.ruiz%40clinic.test?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Rounds",
};

/** The server's sign-in for an account with an authenticator app: the code is asked, then checked. */
function twoStepSignIn(rightCode = "123456"): Handler {
  return ({ totp }) => {
    if (totp === null || totp === undefined) return failure("second_factor_required", CODE_ASKED);
    return totp === rightCode ? SESSION : failure("invalid_credentials", WRONG_CODE);
  };
}

async function fillSignIn(email: string, password: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("Email"), email);
  await user.type(screen.getByLabelText("Password"), password);
  return user;
}

/** Signed in on the patient list; the Sessions dialog opened from the top bar. */
async function openDialog(handlers: Record<string, Handler>) {
  const core = installCore({
    session: () => SESSION,
    search_patients: search,
    sync_status: () => syncStatusOf(),
    sessions: () => [],
    ...handlers,
  });
  render(<App />);
  await screen.findAllByTestId("patient-row");
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "Sessions" }));
  const dialog = await screen.findByTestId("sessions-dialog");
  return { core, user, dialog };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("two-step sign-in: the code at sign-in", () => {
  it("asks for the code after the password and signs in with it", async () => {
    const core = installCore({ session: () => null, sign_in: twoStepSignIn(), search_patients: search });
    render(<App />);
    const user = await fillSignIn("ana.ruiz@clinic.test", "correct horse");
    expect(screen.queryByLabelText("6-digit code")).not.toBeInTheDocument();
    await user.keyboard("{Enter}");

    const code = await screen.findByLabelText("6-digit code");
    expect(code).toHaveFocus();
    expect(code).toHaveAttribute("inputmode", "numeric");
    expect(code).toHaveAttribute("autocomplete", "one-time-code");
    expect(screen.getByRole("status")).toHaveTextContent("Enter the 6-digit code from your authenticator app.");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    // The first step stays filled in.
    expect(screen.getByLabelText("Email")).toHaveValue("ana.ruiz@clinic.test");
    expect(screen.getByLabelText("Password")).toHaveValue("correct horse");

    await user.type(code, "123 456{Enter}");
    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
    expect(core.argsOf("sign_in")).toEqual([
      { email: "ana.ruiz@clinic.test", password: "correct horse", totp: null },
      { email: "ana.ruiz@clinic.test", password: "correct horse", totp: "123456" },
    ]);
  });

  it("says when the code is wrong and keeps the code field", async () => {
    const core = installCore({ session: () => null, sign_in: twoStepSignIn(), search_patients: search });
    render(<App />);
    const user = await fillSignIn("ana.ruiz@clinic.test", "correct horse");
    await user.keyboard("{Enter}");
    await user.type(await screen.findByLabelText("6-digit code"), "999999{Enter}");

    expect(await screen.findByRole("alert")).toHaveTextContent(
      /^That code is not right, or was used already\. Type the code your authenticator app shows now\.$/,
    );
    const code = screen.getByLabelText("6-digit code");
    expect(code).toHaveValue("");
    expect(code).toHaveFocus();
    expect(code).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Password")).toHaveValue("correct horse");
    expect(screen.getByRole("button", { name: "Sign in" })).toBeEnabled();

    await user.type(code, "123456{Enter}");
    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
    expect(core.argsOf("sign_in").map((a) => a.totp)).toEqual([null, "999999", "123456"]);
  });

  it("starts again from the password when the email or password changes", async () => {
    const core = installCore({ session: () => null, sign_in: twoStepSignIn() });
    render(<App />);
    const user = await fillSignIn("ana.ruiz@clinic.test", "correct horse");
    await user.keyboard("{Enter}");
    await screen.findByLabelText("6-digit code");

    await user.type(screen.getByLabelText("Password"), "!");
    expect(screen.queryByLabelText("6-digit code")).not.toBeInTheDocument();
    await user.keyboard("{Enter}");
    await screen.findByLabelText("6-digit code");
    expect(core.argsOf("sign_in").map((a) => [a.password, a.totp])).toEqual([
      ["correct horse", null],
      ["correct horse!", null],
    ]);
  });

  it("asks for the code when reconnecting too", async () => {
    const core = installCore({
      session: () => ({ ...SESSION, online: false }),
      search_patients: search,
      sync_status: () => syncStatusOf(),
      sign_in: twoStepSignIn(),
    });
    render(<App />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Reconnect" }));
    await user.type(screen.getByLabelText("Password for ana.ruiz@clinic.test"), "correct horse{Enter}");

    const code = await screen.findByLabelText("6-digit code");
    expect(code).toHaveFocus();
    expect(screen.getByLabelText("Password for ana.ruiz@clinic.test")).toHaveValue("correct horse");
    await user.type(code, "000000{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent(/^That code is not right/);
    expect(screen.getByLabelText("6-digit code")).toHaveFocus();

    await user.type(screen.getByLabelText("6-digit code"), "123456{Enter}");
    await waitFor(() => expect(screen.getByTestId("connection-status")).toHaveTextContent(/^Online$/));
    expect(core.argsOf("sign_in")).toEqual([
      { email: "ana.ruiz@clinic.test", password: "correct horse", totp: null },
      { email: "ana.ruiz@clinic.test", password: "correct horse", totp: "000000" },
      { email: "ana.ruiz@clinic.test", password: "correct horse", totp: "123456" },
    ]);
  });
});

describe("two-step sign-in: setting up an authenticator app", () => {
  it("shows the secret grouped in fours and the setup link, then turns it on with a code", async () => {
    const { core, user, dialog } = await openDialog({
      enroll_second_factor: () => ENROLLMENT,
      confirm_second_factor: () => null,
    });
    const section = within(dialog).getByTestId("two-step");
    expect(within(section).getByRole("heading", { name: "Two-step sign-in" })).toBeInTheDocument();
    expect(core.argsOf("enroll_second_factor")).toEqual([]);

    await user.click(within(section).getByRole("button", { name: "Set up an authenticator app" }));
    const secret = await within(section).findByTestId("two-step-secret");
    expect(secret).toHaveTextContent(/^JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP$/);
    // The setup link as a QR code to scan, the key below it to type.
    const qr = within(section).getByRole("img", { name: "QR code for your authenticator app" });
    expect(qr.tagName.toLowerCase()).toBe("svg");
    expect(qr).toHaveAttribute("data-modules", "41");
    expect(qr.compareDocumentPosition(secret) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(within(section).getByTestId("two-step-uri")).toHaveTextContent(ENROLLMENT.otpauth_uri);
    expect(core.argsOf("enroll_second_factor")).toEqual([{}]);

    const code = within(section).getByLabelText("6-digit code");
    expect(code).toHaveAttribute("inputmode", "numeric");
    expect(code).toHaveAttribute("autocomplete", "one-time-code");
    await user.type(code, "123456");
    await user.click(within(section).getByRole("button", { name: "Turn on" }));

    expect(await within(section).findByRole("status")).toHaveTextContent(
      "Two-step sign-in is on. You will be asked for a code when you sign in.",
    );
    expect(core.argsOf("confirm_second_factor")).toEqual([{ code: "123456" }]);
    expect(within(section).queryByTestId("two-step-secret")).not.toBeInTheDocument();
    expect(within(section).queryByRole("img")).not.toBeInTheDocument();
  });

  it("keeps the code field after a wrong code, with the server's reason", async () => {
    let attempts = 0;
    const { core, user, dialog } = await openDialog({
      enroll_second_factor: () => ENROLLMENT,
      confirm_second_factor: () =>
        ++attempts === 1 ? failure("invalid_input", "that code is not right: type the 6 digits the app shows now") : null,
    });
    const section = within(dialog).getByTestId("two-step");
    await user.click(within(section).getByRole("button", { name: "Set up an authenticator app" }));
    await user.type(await within(section).findByLabelText("6-digit code"), "111111{Enter}");

    expect(await within(section).findByRole("alert")).toHaveTextContent(
      "Not turned on: that code is not right: type the 6 digits the app shows now",
    );
    const code = within(section).getByLabelText("6-digit code");
    expect(code).toHaveValue("");
    expect(code).toHaveFocus();
    expect(within(section).getByTestId("two-step-secret")).toBeInTheDocument();

    await user.type(code, "222222{Enter}");
    await within(section).findByText("Two-step sign-in is on. You will be asked for a code when you sign in.");
    expect(core.argsOf("confirm_second_factor")).toEqual([{ code: "111111" }, { code: "222222" }]);
  });

  it("needs the server to set it up", async () => {
    const { core, dialog } = await openDialog({ session: () => ({ ...SESSION, online: false }) });
    const section = within(dialog).getByTestId("two-step");
    expect(within(section).getByRole("button", { name: "Set up an authenticator app" })).toBeDisabled();
    expect(section).toHaveTextContent("Setting it up needs the server.");
    expect(core.argsOf("enroll_second_factor")).toEqual([]);
  });

  it("groups a secret in fours", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXP")).toBe("JBSW Y3DP EHPK 3PXP");
    expect(groupSecret("ABCDEF")).toBe("ABCD EF");
    expect(groupSecret("")).toBe("");
  });
});

describe("two-step sign-in: required by the organisation", () => {
  it("offers the setup when a command is refused until a second factor is set up", async () => {
    const core = installCore({
      session: () => SESSION,
      search_patients: search,
      sync_status: () => syncStatusOf(),
      directory: () => failure("second_factor_enrollment_required", MUST_ENROL),
      sessions: () => [],
      enroll_second_factor: () => ENROLLMENT,
      confirm_second_factor: () => null,
      sync_now: () => syncStatusOf(),
    });
    render(<App />);
    await screen.findAllByTestId("patient-row");
    expect(screen.queryByTestId("second-factor-banner")).not.toBeInTheDocument();
    const user = userEvent.setup();
    await user.keyboard("{Escape}gd");

    const banner = await screen.findByTestId("second-factor-banner");
    expect(banner).toHaveTextContent(
      "Your organisation requires two-step sign-in. Until it is set up, Rounds works only from this device.",
    );
    await user.click(within(banner).getByRole("button", { name: "Set up two-step sign-in" }));

    // The dialog opens at the setup.
    const dialog = await screen.findByTestId("sessions-dialog");
    const start = within(dialog).getByRole("button", { name: "Set up an authenticator app" });
    await waitFor(() => expect(start).toHaveFocus());
    await user.keyboard("{Enter}");
    await user.type(await within(dialog).findByLabelText("6-digit code"), "123456{Enter}");
    await within(dialog).findByText("Two-step sign-in is on. You will be asked for a code when you sign in.");

    // Turned on: the offer goes, and the device downloads at once.
    expect(screen.queryByTestId("second-factor-banner")).not.toBeInTheDocument();
    await waitFor(() => expect(core.argsOf("sync_now")).toHaveLength(1));
  });

  it("signs in and offers the setup when the organisation requires it", async () => {
    let signedIn = false;
    installCore({
      session: () => (signedIn ? SESSION : null),
      sign_in: () => {
        // The session starts; the download is refused until a second factor is set up.
        signedIn = true;
        return failure("second_factor_enrollment_required", MUST_ENROL);
      },
      search_patients: search,
      sync_status: () => syncStatusOf(),
      sessions: () => [],
    });
    render(<App />);
    const user = await fillSignIn("ana.ruiz@clinic.test", "correct horse");
    await user.keyboard("{Enter}");

    const banner = await screen.findByTestId("second-factor-banner");
    expect(within(banner).getByRole("button", { name: "Set up two-step sign-in" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sign out" })).toBeInTheDocument();
  });
});

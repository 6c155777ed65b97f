import type { IpcError } from "../../lib/ipc";

export function signInErrorMessage(error: IpcError): string {
  switch (error.code) {
    case "invalid_credentials":
      return "Email or password is incorrect.";
    case "account_locked":
      return "Too many incorrect passwords. This account is locked for 15 minutes.";
    case "rate_limited":
      return "Too many sign-in attempts from this computer. Wait a few minutes and try again.";
    case "server_unreachable":
      return "Cannot reach the Rounds server. Check the connection and try again.";
    case "second_factor_required":
      return CODE_PROMPT;
    case "second_factor_enrollment_required":
      return SECOND_FACTOR_NEEDED;
    default:
      return error.message;
  }
}

/** Above the code field, once the password was right and the account has two-step sign-in. */
export const CODE_PROMPT = "Enter the 6-digit code from your authenticator app.";

/** The sign-in's second step: what went wrong with the 6-digit code. */
export function codeErrorMessage(error: IpcError): string {
  switch (error.code) {
    case "invalid_credentials":
      return "That code is not right, or was used already. Type the code your authenticator app shows now.";
    case "account_locked":
      return "Too many incorrect attempts. This account is locked for 15 minutes.";
    default:
      return signInErrorMessage(error);
  }
}

/** The organisation requires a second factor this account has not set up. */
export const SECOND_FACTOR_NEEDED =
  "Your organisation requires two-step sign-in. Until it is set up, Rounds works only from this device.";

/** The code typed as the server wants it: digits only (spaces from "123 456" dropped). */
export function cleanCode(code: string): string {
  return code.replace(/\s+/g, "");
}

/** The sign-in screen's note after signing out from the lock screen. */
export const SIGNED_OUT_NOTICE = "Signed out. Changes not yet synced stay on this device for your next sign-in.";

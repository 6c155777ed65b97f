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
    default:
      return error.message;
  }
}

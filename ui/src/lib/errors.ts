import type { ErrorCode } from "../bindings/ErrorCode";

/** Errors that mean the local database cannot be used at all. */
export function isDatabaseErrorCode(code: ErrorCode): code is "database_too_new" | "database_corrupt" {
  return code === "database_too_new" || code === "database_corrupt";
}

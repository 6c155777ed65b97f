import type { LockStatus } from "../bindings/LockStatus";
import type { SessionInfo } from "../bindings/SessionInfo";
import { failure, type Handler } from "./fakeCore";
import { SESSION } from "./fixtures";

export const PASSWORD = "correct horse";

/** What the core answers while locked (only these commands still work then). */
const OPEN_WHILE_LOCKED = new Set(["lock_status", "unlock", "sign_out"]);

export interface LockOptions {
  /** Rounds starts locked (a session kept on this device). */
  locked?: boolean;
  idleMinutes?: number;
  /** Wrong passwords before the session ends. */
  tries?: number;
  session?: SessionInfo;
  /** unlock answers once this settles (to see the screen while it waits). */
  unlockAfter?: Promise<unknown>;
}

/**
 * A stand-in for the core's lock around `handlers`: while locked every command but lock_status,
 * unlock and sign_out is refused with "locked" (also commands the test has no fake for).
 * `lock()` is the idle limit passing in the core.
 */
export function lockingCore(handlers: Record<string, Handler>, options: LockOptions = {}) {
  let locked = options.locked ?? false;
  let triesLeft = options.tries ?? 5;
  const session = options.session ?? SESSION;
  const own: Record<string, Handler> = {
    session: () => session,
    lock_status: (): LockStatus => ({
      locked,
      display_name: locked ? session.practitioner.display_name : null,
      idle_lock_minutes: options.idleMinutes ?? 15,
    }),
    lock_now: () => {
      locked = true;
      return null;
    },
    note_activity: () => null,
    unlock: (args) => (options.unlockAfter ? options.unlockAfter.then(() => check(args)) : check(args)),
    sign_out: () => {
      locked = false;
      return null;
    },
    // The test's own answers win (a sign-out that fails…).
    ...handlers,
  };
  /** As the core: a wrong password costs a try; the last one ends the session. */
  function check({ password }: Record<string, unknown>) {
    if (password === "") return failure("invalid_input", "the password is empty");
    if (password !== PASSWORD) {
      triesLeft -= 1;
      if (triesLeft <= 0) {
        locked = false;
        return failure("not_signed_in", "Too many incorrect passwords. You have been signed out.");
      }
      return failure("invalid_credentials", `Incorrect password. ${triesLeft} tries left.`);
    }
    locked = false;
    triesLeft = options.tries ?? 5;
    return session;
  }
  const all = new Proxy(own, {
    get(target, cmd) {
      if (typeof cmd !== "string") return undefined;
      if (locked && !OPEN_WHILE_LOCKED.has(cmd)) return () => failure("locked", "Rounds is locked");
      return target[cmd];
    },
  });
  return {
    handlers: all,
    isLocked: () => locked,
    lock: () => {
      locked = true;
    },
  };
}

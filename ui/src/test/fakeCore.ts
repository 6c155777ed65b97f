import { mockIPC } from "@tauri-apps/api/mocks";
import type { ErrorCode } from "../bindings/ErrorCode";

type Args = Record<string, unknown>;
export type Handler = (args: Args) => unknown;

/**
 * Stands in for the Rust core through Tauri's own IPC mock. Unhandled commands
 * reject like the core would, so a test never silently gets `undefined`.
 */
export function installCore(handlers: Record<string, Handler>) {
  const calls: Array<{ cmd: string; args: Args }> = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Args;
    calls.push({ cmd, args });
    const handler = handlers[cmd];
    if (!handler) return Promise.reject({ code: "internal", message: `no fake for ${cmd}` });
    return handler(args);
  });
  return {
    calls,
    argsOf: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
  };
}

/** What the core rejects with: an ErrorBody. */
export function failure(code: ErrorCode, message = `${code} (from the core)`) {
  return Promise.reject({ code, message });
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

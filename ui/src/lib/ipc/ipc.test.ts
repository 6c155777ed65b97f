import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { failure, installCore } from "../../test/fakeCore";
import { MIA, SESSION, listItem } from "../../test/fixtures";
import { IpcError, getPatient, searchPatients, session, signIn, signOut, toIpcError } from ".";

describe("ipc commands", () => {
  it("call the core with the agreed command names and arguments", async () => {
    const core = installCore({
      session: () => null,
      sign_in: () => SESSION,
      sign_out: () => null,
      search_patients: () => [listItem(MIA)],
      get_patient: () => MIA,
    });

    await expect(session()).resolves.toBeNull();
    await expect(signIn("ana@clinic.test", "s3cret")).resolves.toEqual(SESSION);
    await expect(searchPatients("lop", 50)).resolves.toEqual([listItem(MIA)]);
    await expect(getPatient("pt-mia")).resolves.toEqual(MIA);
    await expect(signOut()).resolves.toBeUndefined();

    expect(core.calls).toEqual([
      { cmd: "session", args: {} },
      { cmd: "sign_in", args: { email: "ana@clinic.test", password: "s3cret" } },
      { cmd: "search_patients", args: { query: "lop", limit: 50 } },
      { cmd: "get_patient", args: { id: "pt-mia" } },
      { cmd: "sign_out", args: {} },
    ]);
  });

  it("turn an ErrorBody rejection into an IpcError with the same code and message", async () => {
    installCore({ get_patient: () => failure("not_found", "patient pt-x not found") });

    const error = await getPatient("pt-x").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IpcError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "IpcError", code: "not_found", message: "patient pt-x not found" });
  });

  it.each([
    ["a bare string", "database is locked", "database is locked"],
    ["an Error", new TypeError("boom"), "boom"],
    ["an unknown code", { code: "teapot", message: "short and stout" }, "short and stout"],
    ["a body without a message", { code: "not_found" }, "Something went wrong."],
    ["null", null, "Something went wrong."],
    ["a number", 42, "Something went wrong."],
  ])("wrap a non-conforming rejection (%s) as 'internal'", async (_label, thrown, message) => {
    mockIPC(() => Promise.reject(thrown));

    const error = await session().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IpcError);
    expect(error).toMatchObject({ code: "internal", message });
    expect((error as IpcError).cause).toBe(thrown);
  });

  it("report 'internal' when there is no Tauri runtime at all", async () => {
    clearMocks();
    const error = await session().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcError);
    expect((error as IpcError).code).toBe("internal");
  });

  it("toIpcError leaves an IpcError untouched", () => {
    const original = new IpcError("forbidden", "no");
    expect(toIpcError(original)).toBe(original);
  });
});

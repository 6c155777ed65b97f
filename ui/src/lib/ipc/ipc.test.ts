import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it, vi } from "vitest";
import type { Section } from "../../bindings/Section";
import { deferred, failure, installCore } from "../../test/fakeCore";
import { MIA, MIA_PHONE_CONFLICT, SESSION, listItem, syncStatusOf } from "../../test/fixtures";
import { counts, makeThread, message } from "../../test/threads";
import {
  IpcError,
  dismissRejected,
  editPatient,
  getPatient,
  rejectedChanges,
  searchPatients,
  session,
  signIn,
  signOut,
  complaints,
  searchIcd10,
  addAddendum,
  cosignEncounter,
  getEncounter,
  handOffEncounter,
  patientChart,
  saveSection,
  searchDrugs,
  searchLabs,
  settleSectionConflict,
  signEncounter,
  startEncounter,
  syncNow,
  syncStatus,
  toIpcError,
  cancelTask,
  claimTask,
  completeTask,
  coverage,
  directory,
  handOffTask,
  taskQueue,
  updatePractitioner,
  whoCanTake,
  convertThreadToEvisit,
  inbox,
  logThreadTime,
  messagePosition,
  openThread,
  postMessage,
  threadAction,
  threadMessages,
  threadSummary,
  auditTrail,
  commandsSettled,
  exportAudit,
  revokeSession,
  sessions,
  verifyAudit,
  confirmSecondFactor,
  enrollSecondFactor,
  lockNow,
  lockStatus,
  noteActivity,
  onLocked,
  securityPolicy,
  unlock,
  updateSecurityPolicy,
} from ".";

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
      { cmd: "sign_in", args: { email: "ana@clinic.test", password: "s3cret", totp: null } },
      { cmd: "search_patients", args: { query: "lop", limit: 50 } },
      { cmd: "get_patient", args: { id: "pt-mia" } },
      { cmd: "sign_out", args: {} },
    ]);
  });

  it("call search_icd10 with the query and limit", async () => {
    const strep = { code: "J02.0", billable: true, description: "Streptococcal pharyngitis" };
    const core = installCore({ search_icd10: () => [strep] });
    await expect(searchIcd10("strep phar", 20)).resolves.toEqual([strep]);
    expect(core.calls).toEqual([{ cmd: "search_icd10", args: { query: "strep phar", limit: 20 } }]);
  });

  it("call complaints with the service line (service_line crosses as serviceLine)", async () => {
    const core = installCore({ complaints: () => [] });
    await expect(complaints("adult_primary")).resolves.toEqual([]);
    expect(core.calls).toEqual([{ cmd: "complaints", args: { serviceLine: "adult_primary" } }]);
  });

  it("call the charting commands with the agreed names (snake_case arguments cross as camelCase)", async () => {
    const core = installCore({
      patient_chart: () => null,
      start_encounter: () => null,
      get_encounter: () => null,
      save_section: () => null,
      sign_encounter: () => null,
      add_addendum: () => null,
      cosign_encounter: () => null,
      hand_off_encounter: () => null,
      settle_section_conflict: () => null,
      search_labs: () => [],
      search_drugs: () => [],
    });
    const section: Section = { section: "complaints", chosen: [{ code: "sore_throat", label: "Sore throat" }] };

    await patientChart("pt-mia");
    await startEncounter("pt-mia", "pediatric_sms", "async");
    await getEncounter("enc-1");
    await saveSection("enc-1", section);
    await signEncounter("enc-1");
    await addAddendum("enc-1", "Called back.");
    await cosignEncounter("enc-1");
    await handOffEncounter("enc-1", "Needs a TX license");
    await settleSectionConflict(12, null);
    await settleSectionConflict(13, section);
    await searchLabs("strep", 10);
    await searchDrugs("amox", 10);

    expect(core.calls).toEqual([
      { cmd: "patient_chart", args: { patientId: "pt-mia" } },
      { cmd: "start_encounter", args: { patientId: "pt-mia", serviceLine: "pediatric_sms", mode: "async" } },
      { cmd: "get_encounter", args: { encounterId: "enc-1" } },
      { cmd: "save_section", args: { encounterId: "enc-1", section } },
      { cmd: "sign_encounter", args: { encounterId: "enc-1" } },
      { cmd: "add_addendum", args: { encounterId: "enc-1", text: "Called back." } },
      { cmd: "cosign_encounter", args: { encounterId: "enc-1" } },
      { cmd: "hand_off_encounter", args: { encounterId: "enc-1", note: "Needs a TX license" } },
      { cmd: "settle_section_conflict", args: { clientSeq: 12, section: null } },
      { cmd: "settle_section_conflict", args: { clientSeq: 13, section } },
      { cmd: "search_labs", args: { query: "strep", limit: 10 } },
      { cmd: "search_drugs", args: { query: "amox", limit: 10 } },
    ]);
  });

  it("pass a refused save through as invalid_input with the core's message", async () => {
    installCore({ save_section: () => failure("invalid_input", "Heart rate 900 is not possible (expected 20 to 300 /min)") });
    await expect(saveSection("enc-1", { section: "history", answers: [], narrative: "" })).rejects.toMatchObject({
      code: "invalid_input",
      message: "Heart rate 900 is not possible (expected 20 to 300 /min)",
    });
  });

  it("call the sync and edit commands with the agreed names (client_seq crosses as clientSeq)", async () => {
    const status = syncStatusOf({ pending: 1 });
    const core = installCore({
      edit_patient: () => MIA,
      sync_status: () => status,
      sync_now: () => status,
      rejected_changes: () => [MIA_PHONE_CONFLICT],
      dismiss_rejected: () => null,
    });

    await expect(editPatient("pt-mia", [{ field: "phone", value: null }])).resolves.toEqual(MIA);
    await expect(syncStatus()).resolves.toEqual(status);
    await expect(syncNow()).resolves.toEqual(status);
    await expect(rejectedChanges()).resolves.toEqual([MIA_PHONE_CONFLICT]);
    await expect(dismissRejected(7)).resolves.toBeUndefined();

    expect(core.calls).toEqual([
      { cmd: "edit_patient", args: { id: "pt-mia", edits: [{ field: "phone", value: null }] } },
      { cmd: "sync_status", args: {} },
      { cmd: "sync_now", args: {} },
      { cmd: "rejected_changes", args: {} },
      { cmd: "dismiss_rejected", args: { clientSeq: 7 } },
    ]);
  });

  it("call the operations commands with the agreed names (task_id crosses as taskId)", async () => {
    const task = {
      id: "t-1",
      kind: "refill_request" as const,
      patient_id: "pt-mia",
      queue: "nurse_practitioner" as const,
      license_state: "CA",
      priority: "routine" as const,
      status: "ready" as const,
      owner_id: null,
      description: "Refill",
      due_at: "2026-04-20T16:00:00Z",
      version: 1,
    };
    const view = { counts: [{ queue: "nurse_practitioner" as const, ready: 1, overdue: 0 }], mine: 0, items: [] };
    const update = {
      display_name: "Ana Ruiz, NP",
      roles: ["nurse_practitioner" as const],
      licenses: [],
      supervisor_id: null,
      on_duty: true,
    };
    const core = installCore({
      task_queue: () => view,
      claim_task: () => task,
      complete_task: () => task,
      cancel_task: () => task,
      hand_off_task: () => task,
      who_can_take: () => [SESSION.practitioner],
      directory: () => [],
      update_practitioner: () => SESSION.practitioner,
      coverage: () => [],
    });

    await expect(taskQueue({ kind: "role", role: "nurse_practitioner" }, "priority", 500)).resolves.toEqual(view);
    await expect(taskQueue({ kind: "mine" }, "due", 10)).resolves.toEqual(view);
    await expect(claimTask("t-1")).resolves.toEqual(task);
    await expect(completeTask("t-1")).resolves.toEqual(task);
    await expect(cancelTask("t-1")).resolves.toEqual(task);
    await expect(handOffTask("t-1", "pr-lee", "nurse_practitioner")).resolves.toEqual(task);
    await expect(whoCanTake("t-1")).resolves.toEqual([SESSION.practitioner]);
    await expect(directory()).resolves.toEqual([]);
    await expect(updatePractitioner("pr-1", update)).resolves.toEqual(SESSION.practitioner);
    await expect(coverage()).resolves.toEqual([]);

    expect(core.calls).toEqual([
      {
        cmd: "task_queue",
        args: { filter: { kind: "role", role: "nurse_practitioner" }, sort: "priority", limit: 500 },
      },
      { cmd: "task_queue", args: { filter: { kind: "mine" }, sort: "due", limit: 10 } },
      { cmd: "claim_task", args: { taskId: "t-1" } },
      { cmd: "complete_task", args: { taskId: "t-1" } },
      { cmd: "cancel_task", args: { taskId: "t-1" } },
      { cmd: "hand_off_task", args: { taskId: "t-1", to: "pr-lee", queue: "nurse_practitioner" } },
      { cmd: "who_can_take", args: { taskId: "t-1" } },
      { cmd: "directory", args: {} },
      { cmd: "update_practitioner", args: { practitionerId: "pr-1", update } },
      { cmd: "coverage", args: {} },
    ]);
  });

  it("call the audit and session commands with the agreed names (ids cross as camelCase)", async () => {
    const verification = { rows: 12, first_broken: null };
    const mine = [
      { id: "s-1", created_at: "2026-04-20T08:00:00Z", last_used_at: "2026-04-20T09:00:00Z", client: "Rounds", current: true },
    ];
    const core = installCore({
      audit_trail: () => [],
      verify_audit: () => verification,
      export_audit: () => "/home/jo/Downloads/rounds-audit.csv",
      sessions: () => mine,
      revoke_session: () => null,
    });

    await expect(auditTrail(null, "pr-lee")).resolves.toEqual([]);
    await expect(auditTrail("pt-mia", null)).resolves.toEqual([]);
    await expect(verifyAudit()).resolves.toEqual(verification);
    await expect(exportAudit("pt-mia", null)).resolves.toBe("/home/jo/Downloads/rounds-audit.csv");
    await expect(sessions()).resolves.toEqual(mine);
    await expect(revokeSession("s-2")).resolves.toBeUndefined();

    expect(core.calls).toEqual([
      { cmd: "audit_trail", args: { patientId: null, practitionerId: "pr-lee" } },
      { cmd: "audit_trail", args: { patientId: "pt-mia", practitionerId: null } },
      { cmd: "verify_audit", args: {} },
      { cmd: "export_audit", args: { patientId: "pt-mia", practitionerId: null } },
      { cmd: "sessions", args: {} },
      { cmd: "revoke_session", args: { sessionId: "s-2" } },
    ]);
  });

  it("call the two-step sign-in commands with the agreed names", async () => {
    const enrollment = { secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/Rounds:ana?secret=JBSWY3DPEHPK3PXP" };
    const core = installCore({
      sign_in: () => SESSION,
      enroll_second_factor: () => enrollment,
      confirm_second_factor: () => null,
    });

    await expect(signIn("ana@clinic.test", "s3cret", "123456")).resolves.toEqual(SESSION);
    await expect(enrollSecondFactor()).resolves.toEqual(enrollment);
    await expect(confirmSecondFactor("654321")).resolves.toBeUndefined();

    expect(core.calls).toEqual([
      { cmd: "sign_in", args: { email: "ana@clinic.test", password: "s3cret", totp: "123456" } },
      { cmd: "enroll_second_factor", args: {} },
      { cmd: "confirm_second_factor", args: { code: "654321" } },
    ]);
  });

  it("call the lock commands with the agreed names", async () => {
    const status = { locked: true, display_name: "Ana Ruiz, NP", idle_lock_minutes: 15 };
    const core = installCore({
      lock_status: () => status,
      lock_now: () => null,
      unlock: () => SESSION,
      note_activity: () => null,
      security_policy: () => ({ idle_lock_minutes: 15 }),
      update_security_policy: () => null,
    });

    await expect(lockStatus()).resolves.toEqual(status);
    await expect(lockNow()).resolves.toBeUndefined();
    await expect(unlock("correct horse")).resolves.toEqual(SESSION);
    await expect(noteActivity()).resolves.toBeUndefined();
    await expect(securityPolicy()).resolves.toEqual({ idle_lock_minutes: 15 });
    await expect(updateSecurityPolicy({ idle_lock_minutes: 10 })).resolves.toBeUndefined();

    expect(core.calls).toEqual([
      { cmd: "lock_status", args: {} },
      { cmd: "lock_now", args: {} },
      { cmd: "unlock", args: { password: "correct horse" } },
      { cmd: "note_activity", args: {} },
      { cmd: "security_policy", args: {} },
      { cmd: "update_security_policy", args: { policy: { idle_lock_minutes: 10 } } },
    ]);
  });

  it("tell onLocked listeners when a command is refused as locked, and still reject", async () => {
    installCore({
      get_patient: () => failure("locked", "Rounds is locked"),
      search_patients: () => failure("not_found", "nothing"),
    });
    const listener = vi.fn();
    const stop = onLocked(listener);

    await expect(getPatient("pt-mia")).rejects.toMatchObject({ code: "locked", message: "Rounds is locked" });
    expect(listener).toHaveBeenCalledTimes(1);
    await expect(searchPatients("lop", 5)).rejects.toMatchObject({ code: "not_found" });
    expect(listener).toHaveBeenCalledTimes(1);

    stop();
    await expect(getPatient("pt-mia")).rejects.toMatchObject({ code: "locked" });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("keep the rejection as it is when an onLocked listener throws", async () => {
    installCore({ get_patient: () => failure("locked", "Rounds is locked") });
    const stop = onLocked(() => {
      throw new Error("listener bug");
    });
    await expect(getPatient("pt-mia")).rejects.toMatchObject({ code: "locked", message: "Rounds is locked" });
    stop();
  });

  it("commandsSettled waits for commands in flight, and gives up after its limit", async () => {
    const gate = deferred<null>();
    const stuck = deferred<null>();
    installCore({ sync_now: () => gate.promise, get_patient: () => stuck.promise });
    await commandsSettled();

    const sync = syncNow();
    let settled = false;
    const waiting = commandsSettled().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    gate.resolve(null);
    await sync;
    await waiting;
    expect(settled).toBe(true);

    // A command that does not answer holds it up only as long as asked.
    const read = getPatient("pt-mia");
    const started = Date.now();
    await commandsSettled(50);
    expect(Date.now() - started).toBeLessThan(1000);
    stuck.resolve(null);
    await read;
  });

  it("pass the audit trail's forbidden through with the core's message", async () => {
    installCore({ audit_trail: () => failure("forbidden", "the audit trail is for administrators") });
    await expect(auditTrail(null, "pr-lee")).rejects.toMatchObject({
      code: "forbidden",
      message: "the audit trail is for administrators",
    });
  });

  it("pass coverage's server_unreachable through", async () => {
    installCore({ coverage: () => failure("server_unreachable", "offline") });
    await expect(coverage()).rejects.toMatchObject({ code: "server_unreachable" });
  });

  it("call the thread commands with the agreed names (thread_id crosses as threadId)", async () => {
    const thread = makeThread("th-1");
    const reply = message("th-1", 1, { delivery: "queued" });
    const page = { items: [], total: 0, counts: counts() };
    const summary = { sentences: [], messages: 0 };
    const core = installCore({
      inbox: () => page,
      open_thread: () => ({ thread }),
      thread_messages: () => ({ offset: 0, messages: [reply], total: 1 }),
      message_position: () => 0,
      thread_summary: () => summary,
      post_message: () => reply,
      thread_action: () => thread,
      log_thread_time: () => 7,
      convert_thread_to_evisit: () => "enc-1",
    });
    const filter = { queue: "review" as const, urgent_only: true, unread_only: false, service_line: null, offset: 100, limit: 100 };

    await expect(inbox(filter)).resolves.toEqual(page);
    await expect(openThread("th-1")).resolves.toEqual({ thread });
    await expect(threadMessages("th-1", 9_900, 100)).resolves.toEqual({ offset: 0, messages: [reply], total: 1 });
    await expect(messagePosition("th-1", "m-1")).resolves.toBe(0);
    await expect(threadSummary("th-1", "2026-04-20T16:00:00Z")).resolves.toEqual(summary);
    await expect(postMessage("th-1", "Hello")).resolves.toEqual(reply);
    await expect(threadAction("th-1", { action: "assign", to: "pr-lee" })).resolves.toEqual(thread);
    await expect(logThreadTime("th-1", 60)).resolves.toBe(7);
    await expect(convertThreadToEvisit("th-1")).resolves.toBe("enc-1");

    expect(core.calls).toEqual([
      { cmd: "inbox", args: { filter } },
      { cmd: "open_thread", args: { threadId: "th-1" } },
      { cmd: "thread_messages", args: { threadId: "th-1", offset: 9_900, limit: 100 } },
      { cmd: "message_position", args: { threadId: "th-1", messageId: "m-1" } },
      { cmd: "thread_summary", args: { threadId: "th-1", lastReadAt: "2026-04-20T16:00:00Z" } },
      { cmd: "post_message", args: { threadId: "th-1", body: "Hello" } },
      { cmd: "thread_action", args: { threadId: "th-1", action: { action: "assign", to: "pr-lee" } } },
      { cmd: "log_thread_time", args: { threadId: "th-1", seconds: 60 } },
      { cmd: "convert_thread_to_evisit", args: { threadId: "th-1" } },
    ]);
  });

  it("pass a refused thread action through with the core's message", async () => {
    installCore({ thread_action: () => failure("invalid_input", "the thread is closed") });
    await expect(threadAction("th-1", { action: "claim" })).rejects.toMatchObject({
      code: "invalid_input",
      message: "the thread is closed",
    });
  });

  it("pass sync_now's refusals through with their codes", async () => {
    installCore({ sync_now: () => failure("server_unreachable", "connect ECONNREFUSED") });
    await expect(syncNow()).rejects.toMatchObject({ code: "server_unreachable", message: "connect ECONNREFUSED" });
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

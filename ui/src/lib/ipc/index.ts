/**
 * The only module that talks to the Rust core. Everything else imports these
 * typed functions; nothing else may import from "@tauri-apps/api/core".
 */
import { invoke } from "@tauri-apps/api/core";
import type { Command, Commands } from "./commands";
import type { AuditEntry } from "../../bindings/AuditEntry";
import type { AuditVerification } from "../../bindings/AuditVerification";
import type { BreakGlassView } from "../../bindings/BreakGlassView";
import type { ErrorBody } from "../../bindings/ErrorBody";
import type { ErrorCode } from "../../bindings/ErrorCode";
import type { FieldEdit } from "../../bindings/FieldEdit";
import type { ComplaintCatalogEntry } from "../../bindings/ComplaintCatalogEntry";
import type { DirectoryEntry } from "../../bindings/DirectoryEntry";
import type { Drug } from "../../bindings/Drug";
import type { EncounterMode } from "../../bindings/EncounterMode";
import type { EncounterView } from "../../bindings/EncounterView";
import type { Icd10Code } from "../../bindings/Icd10Code";
import type { InboxFilter } from "../../bindings/InboxFilter";
import type { InboxPage } from "../../bindings/InboxPage";
import type { LabTest } from "../../bindings/LabTest";
import type { LockStatus } from "../../bindings/LockStatus";
import type { Message } from "../../bindings/Message";
import type { MessageWindow } from "../../bindings/MessageWindow";
import type { Mutation } from "../../bindings/Mutation";
import type { Patient } from "../../bindings/Patient";
import type { PatientChart } from "../../bindings/PatientChart";
import type { PatientListItem } from "../../bindings/PatientListItem";
import type { Practitioner } from "../../bindings/Practitioner";
import type { PractitionerUpdate } from "../../bindings/PractitionerUpdate";
import type { QueueFilter } from "../../bindings/QueueFilter";
import type { QueueLoad } from "../../bindings/QueueLoad";
import type { QueueSort } from "../../bindings/QueueSort";
import type { QueueView } from "../../bindings/QueueView";
import type { RejectedChange } from "../../bindings/RejectedChange";
import type { Role } from "../../bindings/Role";
import type { RoutingRules } from "../../bindings/RoutingRules";
import type { SecondFactorEnrollment } from "../../bindings/SecondFactorEnrollment";
import type { Section } from "../../bindings/Section";
import type { SecurityPolicy } from "../../bindings/SecurityPolicy";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { SessionSummary } from "../../bindings/SessionSummary";
import type { StateCoverage } from "../../bindings/StateCoverage";
import type { Summary } from "../../bindings/Summary";
import type { SyncStatus } from "../../bindings/SyncStatus";
import type { Task } from "../../bindings/Task";
import type { Thread } from "../../bindings/Thread";
import type { ThreadAction } from "../../bindings/ThreadAction";
import type { ThreadView } from "../../bindings/ThreadView";
import type { VitalTrends } from "../../bindings/VitalTrends";

// A Record over the generated union: adding a code on the Rust side makes this
// fail to compile until it is listed here.
const KNOWN_CODES: Record<ErrorCode, true> = {
  invalid_input: true,
  invalid_credentials: true,
  account_locked: true,
  rate_limited: true,
  unauthorized: true,
  forbidden: true,
  not_found: true,
  payload_too_large: true,
  server_unreachable: true,
  bad_response: true,
  database_too_new: true,
  database_corrupt: true,
  not_signed_in: true,
  keychain_unavailable: true,
  sync_gap: true,
  second_factor_required: true,
  second_factor_enrollment_required: true,
  locked: true,
  internal: true,
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(KNOWN_CODES, value);
}

/** Every rejection from this module is an IpcError. Branch on `code`, never on `message`. */
export class IpcError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IpcError";
    this.code = code;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return isErrorCode(v.code) && typeof v.message === "string";
}

/** Normalises anything thrown by invoke (or by a bug) into an IpcError. */
export function toIpcError(error: unknown): IpcError {
  if (error instanceof IpcError) return error;
  if (isErrorBody(error)) return new IpcError(error.code, error.message, { cause: error });
  // Not the shape the core promises (a bug, a panic string, a newer unknown
  // code, or no Tauri runtime at all): keep any text, but call it internal.
  let message = "Something went wrong.";
  if (typeof error === "string" && error) {
    message = error;
  } else if (typeof error === "object" && error !== null) {
    const text = (error as { message?: unknown }).message;
    if (typeof text === "string" && text) message = text;
  }
  return new IpcError("internal", message, { cause: error });
}

const lockedListeners = new Set<() => void>();

/**
 * Calls `listener` whenever a command is refused because the app is locked (code "locked"; the
 * command still rejects as usual). Answers the function that stops listening.
 */
export function onLocked(listener: () => void): () => void {
  lockedListeners.add(listener);
  return () => {
    lockedListeners.delete(listener);
  };
}

function notifyLocked() {
  for (const listener of [...lockedListeners]) {
    try {
      listener();
    } catch {
      // A listener's bug must not change what the caller sees.
    }
  }
}

/** Commands sent and not yet answered. */
let inFlight = 0;

/** A command's arguments: optional when it takes none (or only optional ones). */
type ArgsOf<C extends Command> =
  Record<string, never> extends Commands[C]["args"] ? [args?: Commands[C]["args"]] : [args: Commands[C]["args"]];

/**
 * Calls a command of the desktop shell. Its name, its argument keys and types and its answer come
 * from commands.ts (generated from the Rust commands): a renamed command or argument fails tsc.
 */
async function call<C extends Command>(command: C, ...[args]: ArgsOf<C>): Promise<Commands[C]["answer"]> {
  inFlight += 1;
  try {
    return await invoke<Commands[C]["answer"]>(command, args);
  } catch (error) {
    const failure = toIpcError(error);
    if (failure.code === "locked") notifyLocked();
    throw failure;
  } finally {
    inFlight -= 1;
  }
}

/** How often commandsSettled looks again. */
const SETTLE_POLL_MS = 10;

/**
 * Resolves once no command is waiting for the core (a save queued behind one that just answered
 * counts: it starts before the next look), or after `maxMs` whatever is still running. Locking
 * waits for it, so that what was typed just before Ctrl+L is saved rather than refused.
 */
export function commandsSettled(maxMs = 1000): Promise<void> {
  let looks = Math.max(1, Math.ceil(maxMs / SETTLE_POLL_MS));
  return new Promise((resolve) => {
    const look = () => {
      looks -= 1;
      if (inFlight === 0 || looks <= 0) resolve();
      else setTimeout(look, SETTLE_POLL_MS);
    };
    setTimeout(look, 0);
  });
}

/** The current session, or null when nobody is signed in on this device. */
export function session(): Promise<SessionInfo | null> {
  return call("session");
}

/**
 * Signs in and downloads the clinician's patients. An account with a second factor is refused with
 * second_factor_required until `totp` (the 6-digit code from the authenticator app) is given; a
 * wrong or reused code with invalid_credentials. When the organisation requires a second factor the
 * account has not set up, the session starts but the download is refused with
 * second_factor_enrollment_required.
 */
export function signIn(email: string, password: string, totp: string | null = null): Promise<SessionInfo> {
  return call("sign_in", { email, password, totp });
}

/** Starts setting up an authenticator app: its secret, shown once (online only). */
export function enrollSecondFactor(): Promise<SecondFactorEnrollment> {
  return call("enroll_second_factor");
}

/** Turns two-step sign-in on with a code from the app being set up; a wrong code: invalid_input. */
export async function confirmSecondFactor(code: string): Promise<void> {
  await call("confirm_second_factor", { code });
}

/** Ends the session (also while locked). Unsynced changes stay on the device for the same clinician. */
export async function signOut(): Promise<void> {
  await call("sign_out");
}

// ---------- The automatic lock (automatic logoff) ----------
// While locked, every command but these (and sign_out) is refused with code "locked".

/** Whether the app is locked, for whom, and the idle limit in force. Never refused with locked. */
export function lockStatus(): Promise<LockStatus> {
  return call("lock_status");
}

/** Locks at once (Ctrl+L). */
export async function lockNow(): Promise<void> {
  await call("lock_now");
}

/**
 * Opens the locked session again with the signed-in clinician's password. A wrong password:
 * invalid_credentials (the message says how many tries are left); too many, or a session that
 * cannot be resumed: not_signed_in (the session has ended; the message says why); empty:
 * invalid_input.
 */
export function unlock(password: string): Promise<SessionInfo> {
  return call("unlock", { password });
}

/**
 * The clinician is using the app (keyboard, pointer). Without it the core locks after the
 * organisation's idle limit; polling commands do not count as activity.
 */
export async function noteActivity(): Promise<void> {
  await call("note_activity");
}

/** The organisation's security policy as synced to this device. */
export function securityPolicy(): Promise<SecurityPolicy> {
  return call("security_policy");
}

/**
 * An administrator replaces the security policy (online only: server_unreachable). Refused with
 * forbidden for others, invalid_input for an idle limit outside 1 to 120 minutes.
 */
export async function updateSecurityPolicy(policy: SecurityPolicy): Promise<void> {
  await call("update_security_policy", { policy });
}

export function searchPatients(query: string, limit: number): Promise<PatientListItem[]> {
  return call("search_patients", { query, limit });
}

export function getPatient(id: string): Promise<Patient> {
  return call("get_patient", { id });
}

/**
 * Edits patient fields. The edit lands in the local cache at once and is queued
 * for the server; the returned Patient is what the chart shows now. `value` has
 * the JSON shape of the Patient field (null clears phone/email).
 */
export function editPatient(id: string, edits: FieldEdit[]): Promise<Patient> {
  return call("edit_patient", { id, edits });
}

export function syncStatus(): Promise<SyncStatus> {
  return call("sync_status");
}

/** Runs one sync round now; rejects with server_unreachable or unauthorized. */
export function syncNow(): Promise<SyncStatus> {
  return call("sync_now");
}

/** What a device asked the server to do (generated from the Rust enum). */
export type RefusedMutation = Mutation;

/** A change the server refused. */
export type RefusedChange = RejectedChange;

/** Changes the server refused, oldest first. */
export function rejectedChanges(): Promise<RefusedChange[]> {
  return call("rejected_changes");
}

/** The clinician has dealt with a refused change. Tauri maps Rust's client_seq to clientSeq. */
export async function dismissRejected(clientSeq: number): Promise<void> {
  await call("dismiss_rejected", { clientSeq });
}

/** ICD-10-CM type-ahead by code ("J02", "j029") or words ("strep phar"), from the device's copy. */
export function searchIcd10(query: string, limit: number): Promise<Icd10Code[]> {
  return call("search_icd10", { query, limit });
}

/** The chief-complaint buttons of a service line, this clinician's most used first. */
export function complaints(serviceLine: string): Promise<ComplaintCatalogEntry[]> {
  return call("complaints", { serviceLine });
}

/** Lab tests that can be ordered (LOINC), by name or code, from the device's copy. */
export function searchLabs(query: string, limit: number): Promise<LabTest[]> {
  return call("search_labs", { query, limit });
}

/** Medications that can be prescribed (RxNorm), by name, from the device's copy. */
export function searchDrugs(query: string, limit: number): Promise<Drug[]> {
  return call("search_drugs", { query, limit });
}

// ---------- Charting an encounter ----------
// Every command below answers with the whole EncounterView: the draft as saved plus what is
// derived from it (pages done, the composed note, what blocks signing). The UI only displays it.

/** A patient's chart: encounter history, latest vitals, this clinician's open draft. */
export function patientChart(patientId: string): Promise<PatientChart> {
  return call("patient_chart", { patientId });
}

/** Opens a draft note; the state of care starts as the patient's current state. */
export function startEncounter(patientId: string, serviceLine: string, mode: EncounterMode): Promise<EncounterView> {
  return call("start_encounter", { patientId, serviceLine, mode });
}

export function getEncounter(encounterId: string): Promise<EncounterView> {
  return call("get_encounter", { encounterId });
}

/**
 * Saves one section of a draft, whole (autosave). Bad input (impossible vitals, say) is refused
 * with invalid_input and a message saying what is wrong; nothing is saved then.
 */
export function saveSection(encounterId: string, section: Section): Promise<EncounterView> {
  return call("save_section", { encounterId, section });
}

/** Signs the note; refused (invalid_input) with a message listing what blocks signing. */
export function signEncounter(encounterId: string): Promise<EncounterView> {
  return call("sign_encounter", { encounterId });
}

/** Appends a signed addendum to a signed note. */
export function addAddendum(encounterId: string, text: string): Promise<EncounterView> {
  return call("add_addendum", { encounterId, text });
}

/**
 * Co-signs a nurse practitioner's or physician assistant's signed note. Refused with forbidden
 * unless the signed-in user is a physician licensed in the state of care, and with invalid_input
 * when the note is not waiting for a co-signature. The co-signature is queued for the server:
 * until it syncs, the returned view may still show the note as waiting (cosigned_by null) with
 * the command counted in `unsynced`.
 */
export function cosignEncounter(encounterId: string): Promise<EncounterView> {
  return call("cosign_encounter", { encounterId });
}

/** Hands the visit to a clinician licensed in the patient's state: the task created for them. */
export function handOffEncounter(encounterId: string, note: string): Promise<Task> {
  return call("hand_off_encounter", { encounterId, note });
}

/**
 * Settles a section changed on another device: null keeps theirs; a Section saves that version
 * (mine, or an edited merge).
 */
export function settleSectionConflict(clientSeq: number, section: Section | null): Promise<EncounterView> {
  return call("settle_section_conflict", { clientSeq, section });
}

// ---------- Operations: role queues, the provider directory, coverage by state ----------

/**
 * One queue of the signed-in user (their own tasks, or the unowned tasks of one of their roles'
 * queues), from the device's cache, with the counts of every queue of theirs. At most `limit`
 * items come back; the counts cover them all.
 */
export function taskQueue(filter: QueueFilter, sort: QueueSort, limit: number): Promise<QueueView> {
  return call("task_queue", { filter, sort, limit });
}

/**
 * Takes a task. Applied on this device at once and queued for the server; refused (with the
 * reason as the message) when the user lacks the role or an active license in the task's state.
 */
export function claimTask(taskId: string): Promise<Task> {
  return call("claim_task", { taskId });
}

/** Marks a task done (applied at once, synced later). */
export function completeTask(taskId: string): Promise<Task> {
  return call("complete_task", { taskId });
}

/** Cancels a task (applied at once, synced later). */
export function cancelTask(taskId: string): Promise<Task> {
  return call("cancel_task", { taskId });
}

/** Hands a task to a colleague, in one of their roles' queues (applied at once, synced later). */
export function handOffTask(taskId: string, to: string, queue: Role): Promise<Task> {
  return call("hand_off_task", { taskId, to, queue });
}

/** Who on the team could take a task now: the queue's role and an active license in its state. */
export function whoCanTake(taskId: string): Promise<Practitioner[]> {
  return call("who_can_take", { taskId });
}

/** The organisation's practitioners, with the licenses expiring within 30 days and expired ones. */
export function directory(): Promise<DirectoryEntry[]> {
  return call("directory");
}

/**
 * An administrator changes a practitioner (online only). Refused with invalid_input and a message
 * (impossible dates, two licenses for one state, unknown roles); nothing changes then.
 */
export function updatePractitioner(practitionerId: string, update: PractitionerUpdate): Promise<Practitioner> {
  return call("update_practitioner", { practitionerId, update });
}

/** Clinicians and waiting work by state, across the organisation (online only: server_unreachable). */
export function coverage(): Promise<StateCoverage[]> {
  return call("coverage");
}

/**
 * Temperature, heart rate, blood pressure and weight from the patient's signed notes (device
 * cache), each reading with the normal range for the patient's age that day.
 */
export function vitalTrends(patientId: string): Promise<VitalTrends> {
  return call("vital_trends", { patientId });
}

/**
 * Work waiting and overdue in each of the user's queues at the end of each of the last 7 days
 * (local midnight) and now, from the tasks on this device.
 */
export function queueLoad(): Promise<QueueLoad[]> {
  return call("queue_load", { utcOffsetMinutes: -new Date().getTimezoneOffset() });
}

/** Where new tasks of each kind go, how long they may wait, and where overdue ones escalate. */
export function routingRules(): Promise<RoutingRules> {
  return call("routing_rules");
}

/**
 * An administrator replaces the routing rules (online only: server_unreachable). Refused with
 * invalid_input and a message naming every problem; nothing changes then.
 */
export async function updateRoutingRules(rules: RoutingRules): Promise<void> {
  await call("update_routing_rules", { rules });
}

// ---------- Message threads: the inbox and the thread screen ----------
// All of these work from the device's cache: replies and actions are applied here at once and
// sent to the server at the next sync.

/**
 * One window of an inbox (rows `offset..offset + limit`, at most 500): urgent first, then the
 * soonest reply due, then the latest message. `total` counts every matching row; `counts` the
 * open threads of each queue.
 */
export function inbox(filter: InboxFilter): Promise<InboxPage> {
  return call("inbox", { filter });
}

/** What the thread screen shows around its messages. Opening a thread marks it read. */
export function openThread(threadId: string): Promise<ThreadView> {
  return call("open_thread", { threadId });
}

/** Messages `offset..offset + limit` of a thread (0 is the oldest; at most 500). */
export function threadMessages(threadId: string, offset: number, limit: number): Promise<MessageWindow> {
  return call("thread_messages", { threadId, offset, limit });
}

/** Where a message sits in its thread (0 is the oldest): to scroll a cited message into view. */
export function messagePosition(threadId: string, messageId: string): Promise<number> {
  return call("message_position", { threadId, messageId });
}

/**
 * The thread summarised since the patient's last signed visit, each sentence citing its messages.
 * Sentences citing messages newer than `lastReadAt` (the thread view's `last_read_at`) are new.
 */
export function threadSummary(threadId: string, lastReadAt: string | null): Promise<Summary> {
  return call("thread_summary", { threadId, lastReadAt });
}

/** Replies to the patient: shown at once, its delivery "queued" until it is sent (works offline). */
export function postMessage(threadId: string, body: string): Promise<Message> {
  return call("post_message", { threadId, body });
}

/**
 * Claims, assigns, escalates, reviews, closes, reopens or links a thread. Refused with
 * invalid_input (or forbidden) and a message saying why; nothing changes then.
 */
export function threadAction(threadId: string, action: ThreadAction): Promise<Thread> {
  return call("thread_action", { threadId, action });
}

/** Records `seconds` (1 to 900) of this clinician's time on a thread, ending now: e-visit minutes over 7 days. */
export function logThreadTime(threadId: string, seconds: number): Promise<number> {
  return call("log_thread_time", { threadId, seconds });
}

/**
 * Turns a thread into a draft async visit, the history filled in from the thread (a thread that
 * already became one answers with that visit): the encounter id, to open for charting.
 */
export function convertThreadToEvisit(threadId: string): Promise<string> {
  return call("convert_thread_to_evisit", { threadId });
}

// ---------- The audit trail (administrators) and the user's own sessions: online only ----------

/**
 * The audit trail of a patient or a user (give exactly one of the two ids), oldest first. Refused
 * with invalid_input when neither is given, forbidden for non-administrators, server_unreachable
 * offline.
 */
export function auditTrail(patientId: string | null, practitionerId: string | null): Promise<AuditEntry[]> {
  return call("audit_trail", { patientId, practitionerId });
}

/** Whether the organisation's whole audit chain holds, and the first row (seq) where it does not. */
export function verifyAudit(): Promise<AuditVerification> {
  return call("verify_audit");
}

/** Writes the trail of a patient or a user as CSV into the user's Downloads folder: the file's path. */
export function exportAudit(patientId: string | null, practitionerId: string | null): Promise<string> {
  return call("export_audit", { patientId, practitionerId });
}

/** The signed-in user's live sessions, most recently used first (this device's is `current`). */
export function sessions(): Promise<SessionSummary[]> {
  return call("sessions");
}

/** Ends another device's session (this device's ends by signing out). */
export async function revokeSession(sessionId: string): Promise<void> {
  await call("revoke_session", { sessionId });
}

// ---------- Break-glass: emergency access to a patient outside the clinician's care teams ----------
// Online only; the chart comes from the server and nothing of it is kept on the device.

/**
 * Opens a patient's chart read-only for 30 minutes, saying why (logged and reviewed). Refused with
 * forbidden for practitioners an administrator has not allowed emergency access, invalid_input for
 * a missing MRN or a reason under 10 characters, not_found for an unknown MRN, server_unreachable
 * offline.
 */
export function breakGlass(mrn: string, reason: string): Promise<BreakGlassView> {
  return call("break_glass", { mrn, reason });
}

/** The chart opened by break-glass, read again while the grant lasts (forbidden after). */
export function breakGlassChart(patientId: string): Promise<BreakGlassView> {
  return call("break_glass_chart", { patientId });
}

import type { AuditEntry } from "../../bindings/AuditEntry";
import type { DirectoryEntry } from "../../bindings/DirectoryEntry";
import type { PatientListItem } from "../../bindings/PatientListItem";
import { matchesFilter } from "../operations/directory";
import { displayName } from "../patients/names";

/** Whose trail is shown: a user or a patient, with a name when one is known. */
export type AuditSubject = { kind: "user" | "patient"; id: string; name: string | null };

/** The ids the audit commands take: exactly one of patient and practitioner. */
export function subjectIds(subject: AuditSubject): [patientId: string | null, practitionerId: string | null] {
  return subject.kind === "patient" ? [subject.id, null] : [null, subject.id];
}

/** One row of the subject picker. */
export type SubjectOption =
  | { kind: "user"; entry: DirectoryEntry }
  | { kind: "patient"; patient: PatientListItem }
  /** A pasted id that nothing on this device names (administrators have no patients cached). */
  | { kind: "id"; as: "user" | "patient"; id: string };

const UUID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

/** Looks like an id the core accepts (a UUID, with or without dashes). */
export function isUuid(text: string): boolean {
  return UUID.test(text.trim());
}

/**
 * The picker's rows for what was typed: a pasted id nobody here names first (as a patient, then
 * as a user), then the directory's users matching the words (or the id), by name, then the
 * patients on this device that the search found.
 */
export function subjectOptions(
  query: string,
  people: readonly DirectoryEntry[],
  patients: readonly PatientListItem[],
): SubjectOption[] {
  const text = query.trim();
  const id = text.toLowerCase();
  const users = people
    .filter((e) => e.practitioner.id.toLowerCase() === id || matchesFilter(e, text))
    .sort((a, b) => a.practitioner.display_name.localeCompare(b.practitioner.display_name));
  const pasted: SubjectOption[] = [];
  if (isUuid(text) && !users.some((e) => e.practitioner.id.toLowerCase() === id)) {
    if (!patients.some((p) => p.id.toLowerCase() === id)) pasted.push({ kind: "id", as: "patient", id: text });
    pasted.push({ kind: "id", as: "user", id: text });
  }
  return [
    ...pasted,
    ...users.map((entry): SubjectOption => ({ kind: "user", entry })),
    ...patients.map((patient): SubjectOption => ({ kind: "patient", patient })),
  ];
}

export function optionKey(option: SubjectOption): string {
  switch (option.kind) {
    case "user":
      return `user-${option.entry.practitioner.id}`;
    case "patient":
      return `patient-${option.patient.id}`;
    case "id":
      return `id-${option.as}-${option.id}`;
  }
}

export function subjectOf(option: SubjectOption): AuditSubject {
  switch (option.kind) {
    case "user":
      return { kind: "user", id: option.entry.practitioner.id, name: option.entry.practitioner.display_name };
    case "patient":
      return { kind: "patient", id: option.patient.id, name: displayName(option.patient) };
    case "id":
      return { kind: option.as, id: option.id, name: null };
  }
}

/** A long id cut to its first 8 characters (the full id goes in a title). */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** What each recorded action means, in plain words. */
const ACTION_LABELS: Readonly<Record<string, string>> = {
  "auth.sign_in": "Signed in",
  "auth.sign_in_failed": "Sign-in failed (wrong password)",
  "auth.sign_in_while_locked": "Tried to sign in while locked out",
  "auth.locked": "Account locked after failed sign-ins",
  "auth.sign_out": "Signed out",
  "auth.session_revoked": "Ended a session on another device",
  "auth.refresh_reused": "Old sign-in token reused (possible theft)",
  "patient.list": "Listed patients",
  "patient.read": "Opened a patient's record",
  "device.chart_read": "Read a chart on the device",
  "device.thread_read": "Read a message thread on the device",
  "sync.pull": "Downloaded changes",
  "sync.edit_patient": "Edited patient details",
  "sync.post_message": "Sent a message to the patient",
  "sync.claim_task": "Claimed a task",
  "sync.complete_task": "Completed a task",
  "sync.create_task": "Created a task",
  "sync.cancel_task": "Cancelled a task",
  "sync.hand_off_task": "Handed off a task",
  "sync.start_encounter": "Started a visit note",
  "sync.edit_section": "Edited a visit note",
  "sync.sign_encounter": "Signed a visit note",
  "sync.cosign_encounter": "Co-signed a visit note",
  "sync.add_addendum": "Added an addendum",
  "sync.thread_action": "Changed a message thread",
  "sync.log_thread_time": "Logged time on a message thread",
  "sync.unreadable_command": "Sent a change the server could not read",
  "admin.update_practitioner": "Changed a practitioner",
  "admin.replace_complaint_catalog": "Replaced the complaint catalog",
  "admin.replace_service_menu": "Replaced the service menu",
  "admin.replace_routing_rules": "Replaced the routing rules",
  "audit.export": "Exported an audit trail",
};

/** The action in plain words; an action this version does not know is shown as recorded. */
export function auditActionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}

export function isHighSeverity(entry: AuditEntry): boolean {
  return entry.severity === "high";
}

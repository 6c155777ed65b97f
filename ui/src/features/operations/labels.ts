import type { Role } from "../../bindings/Role";
import type { TaskAction } from "../../bindings/TaskAction";
import type { TaskFocus } from "../../bindings/TaskFocus";
import type { TaskKind } from "../../bindings/TaskKind";
import type { TaskPriority } from "../../bindings/TaskPriority";
import type { TaskStatus } from "../../bindings/TaskStatus";

const KIND_LABELS: Record<TaskKind, string> = {
  review_thread: "Review messages",
  cosign_note: "Co-sign note",
  refill_request: "Refill",
  lab_follow_up: "Lab follow-up",
  outreach: "Outreach",
  hand_off: "Hand-off",
  scheduling: "Scheduling",
};

export function kindLabel(kind: TaskKind): string {
  return KIND_LABELS[kind] ?? String(kind);
}

const PRIORITY_LABELS: Record<TaskPriority, string> = {
  stat: "Stat",
  urgent: "Urgent",
  routine: "Routine",
};

export function priorityLabel(priority: TaskPriority): string {
  return PRIORITY_LABELS[priority] ?? String(priority);
}

const STATUS_LABELS: Record<TaskStatus, string> = {
  ready: "Ready",
  in_progress: "In progress",
  completed: "Done",
  cancelled: "Cancelled",
};

export function statusLabel(status: TaskStatus): string {
  return STATUS_LABELS[status] ?? String(status);
}

/** Every role, in the order the directory form lists them. */
export const ALL_ROLES: readonly Role[] = [
  "physician",
  "nurse_practitioner",
  "physician_assistant",
  "registered_nurse",
  "care_coordinator",
  "admin",
];

/** Queue names as the queue screen says them: "Physician queue". */
const QUEUE_LABELS: Record<Role, string> = {
  physician: "Physician",
  nurse_practitioner: "Nurse practitioner",
  physician_assistant: "Physician assistant",
  registered_nurse: "Registered nurse",
  care_coordinator: "Care coordinator",
  admin: "Administration",
};

export function queueName(role: Role): string {
  return QUEUE_LABELS[role] ?? String(role);
}

/** The roles whose queues hold work (every role but administration), in the directory's order. */
export const CARE_ROLES: readonly Role[] = ALL_ROLES.filter((r) => r !== "admin");

/** Queues whose work needs an active license in the task's state. */
const CLINICAL: ReadonlySet<Role> = new Set<Role>([
  "physician",
  "nurse_practitioner",
  "physician_assistant",
  "registered_nurse",
]);

export function isClinicalQueue(role: Role): boolean {
  return CLINICAL.has(role);
}

const ACTION_LABELS: Record<TaskAction, string> = {
  created: "Created",
  claimed: "Claimed",
  handed_off: "Handed off",
  completed: "Done",
  cancelled: "Cancelled",
  escalated: "Escalated",
};

export function actionLabel(action: TaskAction): string {
  return ACTION_LABELS[action] ?? String(action);
}

const FOCUS_LABELS: Record<TaskFocus["kind"], string> = {
  encounter: "Visit note",
  thread: "Message thread",
};

export function focusLabel(focus: TaskFocus): string {
  return FOCUS_LABELS[focus.kind] ?? String(focus.kind);
}

/**
 * Query keys: the one place that builds them. A key is the IPC command's name and its
 * arguments, so two screens asking the core the same question share one answer, and a write
 * invalidates by command ("every inbox window") or by command and arguments ("this thread").
 */
import type { InboxFilter } from "../../bindings/InboxFilter";
import type { QueueFilter } from "../../bindings/QueueFilter";
import type { QueueSort } from "../../bindings/QueueSort";

export const queryKeys = {
  syncStatus: () => ["sync_status"] as const,
  patientSearch: (query: string, limit: number) => ["search_patients", { query, limit }] as const,
  patient: (id: string) => ["get_patient", { id }] as const,
  patientChart: (patientId: string) => ["patient_chart", { patientId }] as const,
  encounter: (encounterId: string) => ["get_encounter", { encounterId }] as const,
  rejectedChanges: () => ["rejected_changes"] as const,
  securityPolicy: () => ["security_policy"] as const,
  taskQueue: (filter: QueueFilter, sort: QueueSort, limit: number) => ["task_queue", { filter, sort, limit }] as const,
  whoCanTake: (taskId: string) => ["who_can_take", { taskId }] as const,
  directory: () => ["directory"] as const,
  coverage: () => ["coverage"] as const,
  routingRules: () => ["routing_rules"] as const,
  inbox: (filter: InboxFilter) => ["inbox", { filter }] as const,
  thread: (threadId: string) => ["open_thread", { threadId }] as const,
  threadMessages: (threadId: string, offset: number, limit: number) =>
    ["thread_messages", { threadId, offset, limit }] as const,
  threadSummary: (threadId: string, lastReadAt: string | null) => ["thread_summary", { threadId, lastReadAt }] as const,
  auditTrail: (patientId: string | null, practitionerId: string | null) =>
    ["audit_trail", { patientId, practitionerId }] as const,
  sessions: () => ["sessions"] as const,
  lockStatus: () => ["lock_status"] as const,
  vitalTrends: (patientId: string) => ["vital_trends", { patientId }] as const,
  /** `queues` names the queue counts the load was drawn with: new counts, a new answer. */
  queueLoad: (queues: string) => ["queue_load", { queues }] as const,
} as const;

/** Every command a query may ask, by its key's first element. */
export type QueryCommand = ReturnType<(typeof queryKeys)[keyof typeof queryKeys]>[0];

/**
 * The answers a sync round can change (the device's cache, and the server reads the screens
 * have always read again after each round). The audit trail and the sessions are not here: each
 * is read when asked for, and reading the trail again is itself a server request worth avoiding.
 */
export const CHANGED_BY_SYNC: ReadonlySet<QueryCommand> = new Set<QueryCommand>([
  "search_patients",
  "get_patient",
  "patient_chart",
  "get_encounter",
  "rejected_changes",
  "task_queue",
  "directory",
  "coverage",
  "inbox",
  "open_thread",
  "thread_messages",
  "thread_summary",
  "vital_trends",
  "queue_load",
]);

/** Keys for one command whatever its arguments ("every inbox window"), to invalidate with. */
export function allOf(command: QueryCommand): readonly [QueryCommand] {
  return [command];
}

/** What a reply or an action on a thread changes: the inbox rows, the thread and its messages. */
export function threadWriteKeys(threadId: string) {
  return [
    allOf("inbox"),
    queryKeys.thread(threadId),
    ["thread_messages", { threadId }],
    ["thread_summary", { threadId }],
  ] as const;
}

import type { Practitioner } from "../../bindings/Practitioner";
import type { QueueFilter } from "../../bindings/QueueFilter";
import type { Role } from "../../bindings/Role";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { Task } from "../../bindings/Task";
import { isClinicalQueue } from "./labels";

/** "mine" or the role: one key per queue (test ids, React keys, answers). */
export function filterKey(filter: QueueFilter): string {
  return filter.kind === "mine" ? "mine" : filter.role;
}

export function sameFilter(a: QueueFilter, b: QueueFilter): boolean {
  return filterKey(a) === filterKey(b);
}

/** Where the queue screen opens: the first work queue of the user's roles, else their own tasks. */
export function defaultQueue(session: SessionInfo): QueueFilter {
  // Administration is not a work queue (the core counts none for it).
  const role = session.practitioner.roles.find((r) => r !== "admin");
  return role ? { kind: "role", role } : { kind: "mine" };
}

/** Today as the core reckons it (its clock's UTC date), "YYYY-MM-DD". */
export function coreToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Whether `person` could take `task` in `role`'s queue (the core's rule, for choosing a queue; the
 * core judges again): the role, and for a clinical role an active license in the task's state.
 */
export function mayTakeIn(person: Practitioner, task: Task, role: Role, today: string = coreToday()): boolean {
  if (role === "admin" || !person.roles.includes(role)) return false;
  if (!isClinicalQueue(role)) return true;
  return person.licenses.some((l) => l.state === task.license_state && l.expires_on >= today);
}

/** The queues a colleague could take a task in: their roles that allow it (all their work roles if none seems to). */
export function queuesFor(person: Practitioner, task: Task, today: string = coreToday()): Role[] {
  const work = person.roles.filter((r) => r !== "admin");
  const fit = work.filter((r) => mayTakeIn(person, task, r, today));
  return fit.length > 0 ? fit : work;
}

/** The queue a colleague takes a task in: the task's own when they may take it there. */
export function queueFor(person: Practitioner, task: Task, today: string = coreToday()): Role {
  const choices = queuesFor(person, task, today);
  if (choices.includes(task.queue)) return task.queue;
  return choices[0] ?? task.queue;
}

/** License states a colleague holds, for the hand-off list ("TX, OR"). */
export function licenseStates(person: Practitioner): string {
  return person.licenses.map((l) => l.state).join(", ");
}

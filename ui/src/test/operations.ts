import type { DirectoryEntry } from "../bindings/DirectoryEntry";
import type { Practitioner } from "../bindings/Practitioner";
import type { QueueFilter } from "../bindings/QueueFilter";
import type { QueueItem } from "../bindings/QueueItem";
import type { QueueSort } from "../bindings/QueueSort";
import type { QueueView } from "../bindings/QueueView";
import type { Role } from "../bindings/Role";
import type { StateCoverage } from "../bindings/StateCoverage";
import type { Task } from "../bindings/Task";
import type { TaskPriority } from "../bindings/TaskPriority";
import { failure, type Handler } from "./fakeCore";
import { PHYSICIAN_SESSION, SESSION, TODAY, todayAt } from "./fixtures";

export const ANA = SESSION.practitioner;
export const KEMI = PHYSICIAN_SESSION.practitioner;

/** An NP licensed in TX and CA: who could take Texas work Ana cannot. */
export const LEE: Practitioner = {
  id: "pr-lee",
  organization_id: "org-1",
  display_name: "Lee Park, NP",
  email: "lee.park@clinic.test",
  roles: ["nurse_practitioner"],
  licenses: [
    { state: "TX", license_type: "APRN", number: "AP-4410", expires_on: "2027-03-31" },
    { state: "CA", license_type: "APRN", number: "AP-9921", expires_on: "2026-05-02" },
  ],
  supervisor_id: "pr-kemi",
  on_duty: true,
};

/** An NP who also works as a PA: the hand-off asks which queue. */
export const SAM: Practitioner = {
  id: "pr-sam",
  organization_id: "org-1",
  display_name: "Sam Cole",
  email: "sam.cole@clinic.test",
  roles: ["nurse_practitioner", "physician_assistant"],
  licenses: [{ state: "CA", license_type: "PA", number: "PA-220", expires_on: "2027-09-30" }],
  supervisor_id: "pr-kemi",
  on_duty: false,
};

/** A care coordinator (no license needed for their queue), and an administrator. */
export const JO: Practitioner = {
  id: "pr-jo",
  organization_id: "org-1",
  display_name: "Jo Banks",
  email: "jo.banks@clinic.test",
  roles: ["care_coordinator", "admin"],
  licenses: [],
  supervisor_id: null,
  on_duty: true,
};

export function task(id: string, overrides: Partial<Task> = {}): Task {
  return {
    id,
    kind: "refill_request",
    patient_id: "pt-mia",
    queue: "nurse_practitioner",
    license_state: "CA",
    priority: "routine",
    status: "ready",
    owner_id: null,
    description: `Task ${id}`,
    due_at: todayAt(11, 0),
    version: 1,
    focus: null,
    history: [],
    ...overrides,
  };
}

export function item(t: Task, patientName = "Lopez, Mia", overdue = false): QueueItem {
  return { task: t, patient_id: t.patient_id, patient_name: patientName, overdue };
}

/** Ana's NP queue: a refill, an overdue lab follow-up, a stat review for Thomas in OR. */
export function sampleItems(): QueueItem[] {
  return [
    item(task("t-refill", { description: "Albuterol refill", due_at: todayAt(10, 0) })),
    item(
      task("t-lab", { kind: "lab_follow_up", description: "Strep culture result", due_at: todayAt(8, 0) }),
      "Lopez, Mia",
      true,
    ),
    item(
      task("t-thread", {
        kind: "review_thread",
        patient_id: "pt-thomas",
        license_state: "TX",
        priority: "stat",
        description: "Chest tightness after new medication",
        due_at: todayAt(9, 45),
      }),
      "Nguyen, Thomas",
    ),
  ];
}

const RANK: Record<TaskPriority, number> = { stat: 0, urgent: 1, routine: 2 };

/**
 * A stand-in for the core's queues over a list of items: mine is what Ana owns (open), a role
 * queue the ready, unowned tasks. Claim, complete, cancel and hand-off change the list.
 */
export function queueCore(initial: QueueItem[], me = ANA, roles: Role[] = me.roles) {
  let items = initial.map((i) => ({ ...i, task: { ...i.task } }));
  const open = (i: QueueItem) => i.task.status === "ready" || i.task.status === "in_progress";
  const find = (id: unknown) => items.find((i) => i.task.id === id);
  const change = (id: unknown, patch: Partial<Task>) => {
    const found = find(id);
    if (!found) return failure("not_found", "no such task");
    found.task = { ...found.task, ...patch, version: found.task.version + 1 };
    return found.task;
  };
  const handlers: Record<string, Handler> = {
    task_queue: (args) => {
      const filter = args.filter as QueueFilter;
      const sort = args.sort as QueueSort;
      const limit = Number(args.limit);
      let list = items.filter((i) =>
        filter.kind === "mine"
          ? i.task.owner_id === me.id && open(i)
          : i.task.owner_id === null && i.task.status === "ready" && i.task.queue === filter.role,
      );
      list = [...list].sort((a, b) =>
        sort === "priority"
          ? RANK[a.task.priority] - RANK[b.task.priority] || a.task.due_at.localeCompare(b.task.due_at)
          : a.task.due_at.localeCompare(b.task.due_at),
      );
      const view: QueueView = {
        counts: roles.map((role) => {
          const ready = items.filter((i) => i.task.owner_id === null && i.task.status === "ready" && i.task.queue === role);
          return { queue: role, ready: ready.length, overdue: ready.filter((i) => i.overdue).length, more: false };
        }),
        mine: items.filter((i) => i.task.owner_id === me.id && open(i)).length,
        items: list.slice(0, limit),
      };
      return view;
    },
    claim_task: ({ taskId }) => change(taskId, { owner_id: me.id, status: "in_progress" }),
    complete_task: ({ taskId }) => change(taskId, { owner_id: me.id, status: "completed" }),
    cancel_task: ({ taskId }) => change(taskId, { status: "cancelled" }),
    hand_off_task: ({ taskId, to, queue }) =>
      change(taskId, { owner_id: String(to), queue: queue as Role, status: "in_progress" }),
    who_can_take: () => [LEE, SAM, ANA],
  };
  return {
    handlers,
    items: () => items,
    set: (next: QueueItem[]) => {
      items = next;
    },
  };
}

/** `count` ready routine NP tasks in CA, due a minute apart from 06:00. */
export function manyItems(count: number): QueueItem[] {
  const start = new Date(TODAY.getFullYear(), TODAY.getMonth(), TODAY.getDate(), 6, 0).getTime();
  const list: QueueItem[] = new Array(count);
  for (let n = 0; n < count; n += 1) {
    const id = `t-${String(n).padStart(6, "0")}`;
    list[n] = item(
      task(id, { description: `Outreach call ${n + 1}`, kind: "outreach", due_at: new Date(start + n * 60_000).toISOString() }),
      `Patient ${n + 1}`,
    );
  }
  return list;
}

export function entry(p: Practitioner, extra: Partial<DirectoryEntry> = {}): DirectoryEntry {
  return { practitioner: p, expiring: [], expired: [], supervisor_name: null, ...extra };
}

/** Kemi's CA license has expired; Lee's CA license expires in 12 days (TODAY is 2026-04-20). */
export function directoryEntries(): DirectoryEntry[] {
  return [
    entry(ANA, { supervisor_name: KEMI.display_name }),
    entry(KEMI, { expired: [KEMI.licenses[2]!] }),
    entry(LEE, { expiring: [LEE.licenses[1]!], supervisor_name: KEMI.display_name }),
    entry(JO),
  ];
}

export function coverageRow(state: string, overrides: Partial<StateCoverage> = {}): StateCoverage {
  return { state, on_duty: 1, licensed: 2, waiting: 0, overdue: 0, oldest_due: null, ...overrides };
}

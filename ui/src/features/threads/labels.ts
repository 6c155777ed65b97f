import type { Delivery } from "../../bindings/Delivery";
import type { InboxCounts } from "../../bindings/InboxCounts";
import type { InboxFilter } from "../../bindings/InboxFilter";
import type { InboxQueue } from "../../bindings/InboxQueue";
import type { SummaryKind } from "../../bindings/SummaryKind";
import type { ThreadAction } from "../../bindings/ThreadAction";
import type { ThreadStatus } from "../../bindings/ThreadStatus";
import { formatPhone } from "../../lib/format";

/** What the inbox shows, without the window (the list reads its rows a window at a time). */
export type InboxChoice = Omit<InboxFilter, "offset" | "limit">;

export const DEFAULT_INBOX: InboxChoice = {
  queue: "my_roles",
  urgent_only: false,
  unread_only: false,
  service_line: null,
};

/** One key per choice (answers, the list's reset). */
export function choiceKey(choice: InboxChoice): string {
  return [choice.queue, choice.urgent_only ? "urgent" : "", choice.unread_only ? "unread" : "", choice.service_line ?? ""].join(
    ":",
  );
}

export interface InboxTab {
  queue: InboxQueue;
  label: string;
  /** Which count the tab shows (closed threads are not counted). */
  count: keyof InboxCounts | null;
  /** Said when the queue is empty and no filter is on. */
  empty: string;
}

export const INBOX_TABS: readonly InboxTab[] = [
  { queue: "mine", label: "Mine", count: "mine", empty: "No threads are assigned to you. Claim one from My roles with c." },
  { queue: "my_roles", label: "My roles", count: "my_roles", empty: "No open threads in your roles' inboxes." },
  { queue: "unassigned", label: "Unassigned", count: "unassigned", empty: "Every open thread has someone on it." },
  { queue: "review", label: "Review", count: "review", empty: "Nothing is waiting for review." },
  { queue: "triage", label: "Triage", count: "triage", empty: "No messages from numbers we do not know." },
  { queue: "closed", label: "Closed", count: null, empty: "No closed threads." },
];

export function tabOf(queue: InboxQueue): InboxTab {
  return INBOX_TABS.find((t) => t.queue === queue) ?? INBOX_TABS[0]!;
}

const STATUS_LABELS: Record<ThreadStatus, string> = {
  open: "Open",
  awaiting_review: "Awaiting review",
  closed: "Closed",
};

export function threadStatusLabel(status: ThreadStatus): string {
  return STATUS_LABELS[status] ?? String(status);
}

const DELIVERY_LABELS: Record<Delivery, string> = {
  queued: "Queued",
  sent: "Sent",
  delivered: "Delivered",
  failed: "Not delivered",
};

export function deliveryLabel(delivery: Delivery): string {
  return DELIVERY_LABELS[delivery] ?? String(delivery);
}

/** The summary's sections, in the order a clinician reads them. */
export const SUMMARY_SECTIONS: ReadonlyArray<{ kind: SummaryKind; title: string }> = [
  { kind: "concern", title: "Concerns" },
  { kind: "symptom", title: "Symptoms" },
  { kind: "medication", title: "Medications" },
  { kind: "question", title: "Unanswered questions" },
  { kind: "action_item", title: "Action items" },
];

/** Who wrote from an unmatched number: the number as people read it. */
export function fromNumberLabel(fromNumber: string | null): string {
  return fromNumber ? formatPhone(fromNumber) : "Unknown number";
}

/** "14 min", "2 h 5 min", "3 d 4 h". */
export function spanLabel(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(minutes / (24 * 60));
  const h = Math.floor((minutes % (24 * 60)) / 60);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** Countdowns are worked out again this often. */
export const COUNTDOWN_TICK_MS = 30_000;

export interface Countdown {
  text: string;
  overdue: boolean;
}

/**
 * Time left to answer a patient: "14 min left" (rounded up, so a minute never shows as none),
 * "due now" within the minute after, then "overdue 5 min". Null when nothing waits for a reply.
 */
export function countdown(respondBy: string | null, now: Date): Countdown | null {
  if (respondBy === null) return null;
  const due = new Date(respondBy).getTime();
  if (Number.isNaN(due)) return null;
  const left = due - now.getTime();
  if (left > 0) return { text: `${spanLabel(Math.ceil(left / 60_000))} left`, overdue: false };
  const late = Math.floor(-left / 60_000);
  return { text: late < 1 ? "due now" : `overdue ${spanLabel(late)}`, overdue: true };
}

/** Said after a thread action went through (and, with "Not", when it was refused). */
export const ACTION_DONE: Record<ThreadAction["action"], string> = {
  claim: "Claimed",
  assign: "Assigned",
  escalate: "Escalated",
  request_review: "Sent for review",
  mark_reviewed: "Marked reviewed",
  close: "Closed",
  reopen: "Reopened",
  link_patient: "Linked",
  link_encounter: "Linked to the visit",
};

export const ACTION_REFUSED: Record<ThreadAction["action"], string> = {
  claim: "Not claimed",
  assign: "Not assigned",
  escalate: "Not escalated",
  request_review: "Not sent for review",
  mark_reviewed: "Not marked reviewed",
  close: "Not closed",
  reopen: "Not reopened",
  link_patient: "Not linked",
  link_encounter: "Not linked to the visit",
};

/** The task id of a new escalation: any uuid will do, the core names the task itself. */
export const NEW_TASK_ID = "00000000-0000-0000-0000-000000000000";

export interface QuickReply {
  label: string;
  /** `{first}` becomes the patient's first name. */
  template: string;
}

/** One tap (or Alt+number) puts these in the reply box. */
export const QUICK_REPLIES: readonly QuickReply[] = [
  { label: "Reviewing", template: "Thanks, {first}. I'm reviewing this now and will reply shortly." },
  { label: "Photo", template: "Can you send a photo? Good light and a coin beside it for size help." },
  { label: "How long", template: "How long has this been going on, and is it getting better, worse, or staying the same?" },
  {
    label: "Emergency",
    template:
      "Please call 911 or go to the nearest ER if you have chest pain, trouble breathing, fainting, confusion, or feel much worse.",
  },
  { label: "E-visit", template: "{first}, this needs a closer look. I'm starting an e-visit and will follow up here with a plan." },
];

/** A template with the patient's first name in it; without a name (an unmatched number) the name is left out. */
export function fillTemplate(template: string, firstName: string | null): string {
  const name = firstName?.trim();
  if (name) return template.replace(/\{first\}/g, name);
  return template
    .replace(/,\s*\{first\}/g, "")
    .replace(/\{first\},\s*(\S)/g, (_, letter: string) => letter.toUpperCase())
    .replace(/\{first\}/g, "there");
}

import type { InboxCounts } from "../bindings/InboxCounts";
import type { InboxFilter } from "../bindings/InboxFilter";
import type { InboxItem } from "../bindings/InboxItem";
import type { InboxPage } from "../bindings/InboxPage";
import type { Message } from "../bindings/Message";
import type { Patient } from "../bindings/Patient";
import type { Summary } from "../bindings/Summary";
import type { Thread } from "../bindings/Thread";
import type { ThreadAction } from "../bindings/ThreadAction";
import type { ThreadView } from "../bindings/ThreadView";
import { failure, type Handler } from "./fakeCore";
import { MIA, SESSION, TODAY, todayAt } from "./fixtures";
import { KEMI, directoryEntries } from "./operations";

export const ANA = SESSION.practitioner;

export function makeThread(id: string, overrides: Partial<Thread> = {}): Thread {
  return {
    id,
    patient_id: MIA.id,
    channel: "sms",
    status: "open",
    assignee_id: null,
    service_line: "pediatric_sms",
    last_message_at: todayAt(9, 20),
    version: 1,
    urgent: false,
    from_number: null,
    respond_by: null,
    reviewed_by: null,
    reviewed_at: null,
    escalation: null,
    encounter_id: null,
    queue: "nurse_practitioner",
    ...overrides,
  };
}

export function inboxItem(thread: Thread, overrides: Partial<InboxItem> = {}): InboxItem {
  return {
    thread,
    patient_name: "Lopez, Mia",
    birth_date: MIA.birth_date,
    state: "CA",
    preview: "She has had a fever since last night",
    last_from_patient: true,
    unread: false,
    assignee_name: null,
    ...overrides,
  };
}

/**
 * Ana's role inbox, in the core's order: an urgent thread due in 14 minutes, one overdue by 5,
 * one the care team answered last (no clock), and one escalated by Kemi.
 */
export function sampleInbox(): InboxItem[] {
  return [
    inboxItem(makeThread("th-urgent", { urgent: true, respond_by: todayAt(9, 44) }), {
      unread: true,
      preview: "Mia is struggling to breathe tonight",
    }),
    inboxItem(makeThread("th-late", { patient_id: "pt-thomas", service_line: "adult_primary", respond_by: todayAt(9, 25) }), {
      patient_name: "Nguyen, Thomas",
      birth_date: "1956-11-03",
      state: "OR",
      preview: "Is it OK to take ibuprofen with lisinopril?",
      assignee_name: ANA.display_name,
    }),
    inboxItem(makeThread("th-answered", { patient_id: "pt-noah" }), {
      patient_name: "Okafor, Noah",
      birth_date: "2024-10-02",
      state: "WA",
      preview: "Keep him hydrated and send a photo of the rash tomorrow.",
      last_from_patient: false,
    }),
    inboxItem(
      makeThread("th-escalated", {
        queue: "physician",
        escalation: { by: KEMI.id, to: "physician", reason: "possible drug interaction", at: todayAt(8, 0), task_id: "t-esc" },
      }),
      { preview: "Thank you" },
    ),
  ];
}

export function counts(overrides: Partial<InboxCounts> = {}): InboxCounts {
  return { mine: 1, my_roles: 4, unassigned: 3, review: 2, triage: 1, ...overrides };
}

/** A stand-in for the core's inbox: `rows(filter)` is the whole list for the filter; the window is sliced. */
export function inboxCore(rows: (filter: InboxFilter) => InboxItem[] | { total: number; at: (i: number) => InboxItem }) {
  const handler: Handler = (args) => {
    const filter = args.filter as InboxFilter;
    const list = rows(filter);
    const page: InboxPage = Array.isArray(list)
      ? { items: list.slice(filter.offset, filter.offset + filter.limit), total: list.length, counts: counts() }
      : {
          items: Array.from({ length: Math.max(0, Math.min(filter.limit, list.total - filter.offset)) }, (_, k) =>
            list.at(filter.offset + k),
          ),
          total: list.total,
          counts: counts({ my_roles: list.total }),
        };
    return page;
  };
  return handler;
}

/** Thread `n` of a long inbox: "Patient n+1", unread every third. */
export function manyThreads(total: number) {
  return {
    total,
    at: (i: number) =>
      inboxItem(makeThread(`th-${String(i).padStart(6, "0")}`), {
        patient_name: `Patient ${i + 1}`,
        unread: i % 3 === 0,
      }),
  };
}

/** Message `i` of a thread: the patient and the care team take turns, a minute apart. */
export function message(threadId: string, i: number, overrides: Partial<Message> = {}): Message {
  const start = new Date(TODAY.getFullYear(), TODAY.getMonth(), TODAY.getDate(), 6, 0).getTime();
  const inbound = i % 2 === 0;
  return {
    id: `m-${i}`,
    thread_id: threadId,
    direction: inbound ? "inbound" : "outbound",
    author_id: inbound ? null : ANA.id,
    body: `Message ${i + 1}`,
    sent_at: new Date(start + i * 60_000).toISOString(),
    external_id: null,
    delivery: inbound ? null : "delivered",
    ...overrides,
  };
}

export interface ThreadFakeOptions {
  thread?: Thread;
  patient?: Patient | null;
  /** How many messages (made by `message`). */
  messages?: number;
  lastReadAt?: string | null;
  firstUnread?: number | null;
  minutes?: number;
  code?: string | null;
  summary?: Summary;
  names?: Partial<Pick<ThreadView, "assignee_name" | "escalated_by_name" | "reviewer_name">>;
}

/** A stand-in for the core's thread commands over one thread. Replies and actions change it. */
export function threadCore(options: ThreadFakeOptions = {}) {
  let thread = options.thread ?? makeThread("th-mia");
  let patient = options.patient === undefined ? MIA : options.patient;
  const all: Message[] = Array.from({ length: options.messages ?? 12 }, (_, i) => message(thread.id, i));
  let minutes = options.minutes ?? 0;
  const view = (): ThreadView => ({
    thread,
    patient,
    messages: all.length,
    last_read_at: options.lastReadAt ?? null,
    first_unread: options.firstUnread ?? null,
    evisit_minutes: minutes,
    evisit_code: options.code ?? null,
    assignee_name: thread.assignee_id === ANA.id ? ANA.display_name : null,
    escalated_by_name: thread.escalation ? (thread.escalation.by === ANA.id ? ANA.display_name : KEMI.display_name) : null,
    reviewer_name: thread.reviewed_by ? ANA.display_name : null,
    summary_since: null,
    latest: { offset: Math.max(0, all.length - 100), messages: all.slice(Math.max(0, all.length - 100)), total: all.length },
    ...options.names,
  });
  const handlers: Record<string, Handler> = {
    open_thread: () => view(),
    thread_messages: ({ offset, limit }) => ({
      offset,
      messages: all.slice(Number(offset), Number(offset) + Number(limit)),
      total: all.length,
    }),
    message_position: ({ messageId }) => {
      const at = all.findIndex((m) => m.id === messageId);
      return at >= 0 ? at : failure("not_found", "this message is not in this thread");
    },
    thread_summary: () => options.summary ?? { sentences: [], messages: all.length },
    post_message: ({ body }) => {
      const reply = message(thread.id, all.length, {
        id: `m-reply-${all.length}`,
        direction: "outbound",
        author_id: ANA.id,
        body: String(body),
        sent_at: todayAt(9, 31),
        delivery: "queued",
      });
      all.push(reply);
      thread = { ...thread, respond_by: null, urgent: false };
      return reply;
    },
    thread_action: ({ action }) => {
      const a = action as ThreadAction;
      switch (a.action) {
        case "claim":
          thread = { ...thread, assignee_id: ANA.id };
          break;
        case "assign":
          thread = { ...thread, assignee_id: a.to };
          break;
        case "escalate":
          thread = {
            ...thread,
            queue: a.to,
            assignee_id: null,
            escalation: { by: ANA.id, to: a.to, reason: a.reason, at: todayAt(9, 30), task_id: "t-new" },
          };
          break;
        case "request_review":
          thread = { ...thread, status: "awaiting_review" };
          break;
        case "mark_reviewed":
          if (thread.status !== "awaiting_review") return failure("invalid_input", "the thread is not awaiting review");
          thread = { ...thread, status: "open", reviewed_by: ANA.id, reviewed_at: todayAt(9, 30) };
          break;
        case "close":
          thread = { ...thread, status: "closed", respond_by: null, urgent: false };
          break;
        case "reopen":
          thread = { ...thread, status: "open" };
          break;
        case "link_patient":
          thread = { ...thread, patient_id: a.patient_id };
          patient = MIA;
          break;
        case "link_encounter":
          thread = { ...thread, encounter_id: a.encounter_id };
          break;
      }
      return thread;
    },
    log_thread_time: ({ seconds }) => {
      minutes += Math.floor(Number(seconds) / 60);
      return minutes;
    },
    convert_thread_to_evisit: () => {
      thread = { ...thread, encounter_id: "enc-1" };
      return "enc-1";
    },
    directory: () => directoryEntries(),
  };
  return {
    handlers,
    thread: () => thread,
    messages: () => all,
    /** A message from the patient arrives (through sync). */
    receive: (body: string) => {
      all.push(message(thread.id, all.length, { id: `m-in-${all.length}`, direction: "inbound", body, author_id: null, delivery: null }));
    },
  };
}

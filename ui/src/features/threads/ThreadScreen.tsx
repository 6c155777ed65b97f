import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Message } from "../../bindings/Message";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { ThreadAction } from "../../bindings/ThreadAction";
import type { ThreadView } from "../../bindings/ThreadView";
import { queryKeys, threadWriteKeys } from "../../lib/data/keys";
import { useRead, useWrite } from "../../lib/data/query";
import { useRowPages } from "../../lib/data/useRowPages";
import { channelLabel, formatAge, formatMoment, sexLabel } from "../../lib/format";
import {
  convertThreadToEvisit,
  messagePosition,
  openThread,
  postMessage,
  threadAction,
  threadMessages,
  threadSummary,
  toIpcError,
  type IpcError,
} from "../../lib/ipc";
import { isModalOpen, isOnControl, isPlainShortcut } from "../../lib/keyboard";
import { actionOf, KEYMAP, matches } from "../../lib/keymap";
import { useLatest } from "../../lib/useLatest";
import { useNow } from "../../lib/useNow";
import { serviceLineLabel } from "../charting/model";
import { openEncounter, type OpenedChart } from "../charting/open";
import { ReadFailed } from "../common/Notices";
import { KeyHints } from "../help/KeyHints";
import { queueName } from "../operations/labels";
import { usePractitionerNames } from "../operations/usePractitionerNames";
import { displayName } from "../patients/names";
import { useSync } from "../sync/SyncContext";
import { AssignDialog } from "./AssignDialog";
import { Composer } from "./Composer";
import { EscalateDialog } from "./EscalateDialog";
import {
  ACTION_DONE,
  COUNTDOWN_TICK_MS,
  ACTION_REFUSED,
  QUICK_REPLIES,
  countdown,
  fillTemplate,
  fromNumberLabel,
  threadStatusLabel,
} from "./labels";
import { LinkPatientDialog } from "./LinkPatientDialog";
import { MessageList } from "./MessageList";
import { ThreadContext } from "./ThreadContext";
import { ThreadSummary } from "./ThreadSummary";
import { useActiveTime } from "./useActiveTime";
import "./thread.css";

/** Messages per request: the newest of them first, the rest as the clinician scrolls. */
export const MESSAGE_WINDOW = 100;
/** A cited message stays highlighted this long. */
export const HIGHLIGHT_MS = 2500;
/** j and k scroll the messages this far (px). */
const SCROLL_STEP = 80;
const KEYS = KEYMAP.thread.shortcuts;

interface Props {
  session: SessionInfo;
  threadId: string;
  /** The reply being written (kept while the clinician looks elsewhere). */
  draft: string;
  onDraft: (text: string) => void;
  /** Esc: back to the inbox. */
  onBack: () => void;
  /** The thread became an e-visit: chart it. */
  onOpenChart: (opened: OpenedChart) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

type Dialog = "assign" | "escalate" | "link" | null;

interface Notice {
  text: string;
  refused: boolean;
}

/** One patient's message thread: the messages, a summary citing them, the patient, the reply. */
export function ThreadScreen({ session, threadId, draft, onDraft, onBack, onOpenChart, onError }: Props) {
  const me = session.practitioner;
  // The thread, read again after each sync round (messages, delivery news, colleagues' changes)
  // and after each reply or action here.
  const threadQuery = useRead(queryKeys.thread(threadId), () => openThread(threadId), { onError });
  const view = threadQuery.data ?? null;
  const loadError = threadQuery.error;
  const client = useQueryClient();
  const setView = useCallback(
    (change: (v: ThreadView) => ThreadView) =>
      client.setQueryData<ThreadView>(queryKeys.thread(threadId), (v) => v && change(v)),
    [client, threadId],
  );
  const actOn = useWrite((a: ThreadAction) => threadAction(threadId, a), () => threadWriteKeys(threadId));
  const reply = useWrite((body: string) => postMessage(threadId, body), () => threadWriteKeys(threadId));
  const [minutes, setMinutes] = useState<number | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [busy, setBusy] = useState<ThreadAction["action"] | "convert" | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  const [jump, setJump] = useState<{ index: number; seq: number } | null>(null);
  const [highlighted, setHighlighted] = useState<number | null>(null);
  const [toBottom, setToBottom] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);
  const replyRef = useRef<HTMLTextAreaElement>(null);
  const summaryRef = useRef<HTMLHeadingElement>(null);
  const highlightTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onErrorRef = useLatest(onError);
  const sync = useSync();
  const names = usePractitionerNames(me);
  const now = useNow(COUNTDOWN_TICK_MS);
  // The "new" line (and what the summary calls new) stay where they were when the thread opened.
  const opened = useRef<{ lastReadAt: string | null; firstUnread: number | null } | null>(null);

  // The first answer read since the thread opened (not one kept from an earlier visit).
  const fresh = threadQuery.isFetchedAfterMount && view !== null;
  useEffect(() => {
    if (fresh && view) opened.current ??= { lastReadAt: view.last_read_at, firstUnread: view.first_unread };
  }, [fresh, view]);

  // The newest messages came with the thread: painted without asking again; the rest a page at a time.
  const latest = view?.latest ?? null;
  const known = useCallback(
    (index: number) => (latest && index >= latest.offset ? latest.messages[index - latest.offset] : undefined),
    [latest],
  );
  const pageKey = useCallback(
    (offset: number, limit: number) => queryKeys.threadMessages(threadId, offset, limit),
    [threadId],
  );
  const rows = useRowPages<Message, null>({
    listKey: threadId,
    pageKey,
    read: (offset, limit) =>
      threadMessages(threadId, offset, limit).then((w) => ({ items: w.messages, total: w.total, extra: null })),
    pageSize: MESSAGE_WINDOW,
    totalHint: view?.messages ?? null,
    hintAt: threadQuery.dataUpdatedAt,
    known,
    enabled: view !== null,
    onError,
  });
  const count = rows.total ?? 0;
  const shown = view !== null && (view.messages === 0 || !rows.loading);

  // The summary can take longer: asked for once the messages are on screen (again after each
  // sync round and each reply, which may bring more).
  const lastReadAt = opened.current?.lastReadAt ?? view?.last_read_at ?? null;
  const summaryQuery = useRead(
    queryKeys.threadSummary(threadId, lastReadAt),
    () => threadSummary(threadId, lastReadAt),
    { enabled: shown },
  );
  const summary = summaryQuery.error
    ? ({ kind: "failed", error: summaryQuery.error } as const)
    : summaryQuery.data
      ? ({ kind: "loaded", summary: summaryQuery.data } as const)
      : ({ kind: "waiting" } as const);

  useActiveTime(threadId, setMinutes, (error) => onErrorRef.current?.(error));

  const loaded = view !== null;
  useEffect(() => {
    if (loaded) listRef.current?.focus({ preventScroll: true });
  }, [loaded]);

  useEffect(() => () => clearTimeout(highlightTimer.current), []);

  const thread = view?.thread ?? null;
  const patient = view?.patient ?? null;
  const closed = thread?.status === "closed";
  const mine = thread?.assignee_id === me.id;
  const about = patient ? displayName(patient) : fromNumberLabel(thread?.from_number ?? null);

  const authorOf = useCallback(
    (message: Message) => {
      if (message.direction === "inbound") return patient ? displayName(patient) : fromNumberLabel(thread?.from_number ?? null);
      if (message.author_id === null) return "Rounds (automatic)";
      if (message.author_id === me.id) return "You";
      return names.get(message.author_id) ?? "Care team";
    },
    [patient, thread?.from_number, me.id, names],
  );

  /** Done here (the write read again what it changed). */
  function changed(text: string) {
    setNotice({ text, refused: false });
    sync.refresh();
  }

  async function act(action: ThreadAction) {
    if (busy !== null || !view) return;
    setBusy(action.action);
    setNotice(null);
    try {
      const next = await actOn.mutateAsync(action);
      setView((v) => ({ ...v, thread: next }));
      changed(`${ACTION_DONE[action.action]}.`);
    } catch (caught) {
      const failure = toIpcError(caught);
      setNotice({ text: `${ACTION_REFUSED[action.action]}: ${failure.message}`, refused: true });
      onErrorRef.current?.(failure);
    } finally {
      setBusy(null);
    }
  }

  async function convert() {
    if (busy !== null || !view) return;
    setBusy("convert");
    setNotice(null);
    try {
      const encounterId = await convertThreadToEvisit(threadId);
      const chart = await openEncounter(encounterId, { readOnly: false });
      sync.refresh();
      onOpenChart(chart);
    } catch (caught) {
      const failure = toIpcError(caught);
      setNotice({ text: `No e-visit: ${failure.message}`, refused: true });
      onErrorRef.current?.(failure);
      setBusy(null);
    }
  }

  async function send() {
    const body = draft.trim();
    if (!body || sending || closed || !view) return;
    setSending(true);
    setSendError(null);
    try {
      // Shown at once as the newest message; the reply stops the clock and the urgency, so the
      // thread is read again too.
      const message = await reply.mutateAsync(body);
      setView((v) => ({
        ...v,
        messages: v.messages + 1,
        latest: { ...v.latest, messages: [...v.latest.messages, message], total: v.latest.total + 1 },
      }));
      onDraft("");
      setToBottom((n) => n + 1);
      sync.refresh();
    } catch (caught) {
      const failure = toIpcError(caught);
      setSendError(`Not sent: ${failure.message}`);
      onErrorRef.current?.(failure);
    } finally {
      setSending(false);
    }
  }

  function quickReply(index: number): boolean {
    const reply = QUICK_REPLIES[index];
    if (!reply || closed || !view) return false;
    const text = fillTemplate(reply.template, patient?.given_name ?? null);
    const before = draft.trimEnd();
    onDraft(before ? `${before} ${text}` : text);
    replyRef.current?.focus();
    return true;
  }

  async function cite(messageId: string, number: number) {
    try {
      const index = await messagePosition(threadId, messageId);
      setJump((j) => ({ index, seq: (j?.seq ?? 0) + 1 }));
      setHighlighted(index);
      clearTimeout(highlightTimer.current);
      highlightTimer.current = setTimeout(() => setHighlighted(null), HIGHLIGHT_MS);
      setNotice({ text: `Showing cited message ${number}.`, refused: false });
    } catch (caught) {
      const failure = toIpcError(caught);
      setNotice({ text: `The cited message could not be found: ${failure.message}`, refused: true });
      onErrorRef.current?.(failure);
    }
  }

  const keys = useLatest((event: KeyboardEvent): boolean => {
    const action = actionOf("thread", event);
    if (action === "back") {
      onBack();
      return true;
    }
    if (!view || !thread) return false;
    switch (action) {
      case "claim":
        void act({ action: "claim" });
        return true;
      case "assign":
        if (!closed) setDialog("assign");
        return true;
      case "escalate":
        if (!closed && patient) setDialog("escalate");
        return true;
      case "requestReview":
        void act({ action: "request_review" });
        return true;
      case "reviewed":
        void act({ action: "mark_reviewed" });
        return true;
      case "close":
        void act({ action: "close" });
        return true;
      case "reopen":
        void act({ action: "reopen" });
        return true;
      case "evisit":
        void convert();
        return true;
      case "link":
        if (!patient) setDialog("link");
        return !patient;
      case "reply":
        if (event.key === "Enter" && isOnControl(event.target)) return false;
        replyRef.current?.focus();
        return !closed;
      case "summary":
        summaryRef.current?.focus();
        return true;
      case "scroll":
        listRef.current?.scrollBy?.({ top: event.key === "j" ? SCROLL_STEP : -SCROLL_STEP });
        return true;
    }
    return false;
  });
  const quickReplyKey = useLatest(quickReply);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      // Alt+1… puts a quick reply in the box, from anywhere (the box included).
      const digit = /^Digit([1-9])$/.exec(event.code);
      if (digit && matches(KEYS.quickReply, event) && !event.defaultPrevented && !isModalOpen()) {
        if (quickReplyKey.current(Number(digit[1]) - 1)) event.preventDefault();
        return;
      }
      if (!isPlainShortcut(event)) return;
      if (event.shiftKey && event.key.length === 1 && /[a-z]/i.test(event.key)) return;
      if (keys.current(event)) event.preventDefault();
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [keys, quickReplyKey]);

  if (!view || !thread) {
    return (
      <div className="thread-screen" data-testid="thread-screen" data-thread={threadId}>
        <div className="panel-placeholder" aria-busy={loadError ? undefined : "true"}>
          {loadError ? (
            <p className="panel-error" role="alert">
              The thread could not be opened: {loadError.message}{" "}
              <button type="button" className="link-button" onClick={onBack}>
                Back to the inbox
              </button>
            </p>
          ) : (
            <p className="muted">Opening the thread…</p>
          )}
        </div>
      </div>
    );
  }

  const age = patient ? formatAge(patient.birth_date, now) : null;
  const due = countdown(thread.respond_by, now);
  const { escalation } = thread;
  const action = (label: string, key: string, run: () => void, disabled = false, title = `${label} (${key})`) => (
    <button
      type="button"
      className="button button-quiet button-small"
      title={title}
      aria-keyshortcuts={key}
      disabled={disabled || busy !== null}
      onClick={run}
    >
      {label}
    </button>
  );

  return (
    <div className="thread-screen" data-testid="thread-screen" data-thread={threadId}>
      <header className="thread-header">
        <button
          type="button"
          className="button button-quiet button-small"
          title="Back to the inbox (Esc)"
          aria-keyshortcuts="Escape"
          onClick={onBack}
        >
          ← Inbox
        </button>
        <div className="thread-heading">
          <h1 className="thread-name" data-testid="thread-name">
            {about}
          </h1>
          <p className="thread-facts">
            {patient ? (
              <>
                <span className="banner-age">{age ? `${age} · ${sexLabel(patient.sex)}` : sexLabel(patient.sex)}</span>
                <span>Located in {patient.current_state}</span>
              </>
            ) : (
              <span className="inbox-tag">Unmatched number</span>
            )}
            <span>{serviceLineLabel(thread.service_line)}</span>
            <span>{channelLabel(thread.channel)}</span>
            <span className={`status-badge thread-status-${thread.status}`} data-testid="thread-status-badge">
              {threadStatusLabel(thread.status)}
            </span>
            {thread.urgent && <span className="urgent-badge">Urgent</span>}
            <span data-testid="thread-assignee">
              {mine ? "Assigned to you" : view.assignee_name ? `Assigned to ${view.assignee_name}` : "Unassigned"}
            </span>
            {due && (
              <span className={due.overdue ? "is-overdue" : undefined} data-testid="countdown">
                {due.text}
              </span>
            )}
          </p>
          {escalation && (
            <p className="thread-escalation" data-testid="thread-escalation">
              Escalated to {queueName(escalation.to).toLowerCase()} by {view.escalated_by_name ?? "a colleague"}:{" "}
              {escalation.reason}
            </p>
          )}
          {thread.reviewed_at && (
            <p className="thread-reviewed" data-testid="thread-reviewed">
              Reviewed by {view.reviewer_name ?? "a colleague"} · {formatMoment(thread.reviewed_at) ?? thread.reviewed_at}
            </p>
          )}
        </div>
        <p className="thread-time" data-testid="evisit-time">
          Async time this week: {minutes ?? view.evisit_minutes} min
          {view.evisit_code && (
            <>
              {" "}
              → <strong>{view.evisit_code}</strong>
            </>
          )}
        </p>
      </header>

      <div className="thread-actions" role="group" aria-label="Thread actions">
        {action("Claim", "c", () => void act({ action: "claim" }), closed || mine)}
        {action("Assign…", "a", () => setDialog("assign"), closed)}
        {action(
          "Escalate to physician…",
          "e",
          () => setDialog("escalate"),
          closed || !patient,
          patient ? "Escalate to physician (e)" : "Link the thread to a patient before escalating it",
        )}
        {thread.status === "awaiting_review"
          ? action("Mark reviewed", "r", () => void act({ action: "mark_reviewed" }))
          : action("Request review", "q", () => void act({ action: "request_review" }), closed)}
        {closed
          ? action("Reopen", "o", () => void act({ action: "reopen" }))
          : action("Close", "x", () => void act({ action: "close" }))}
        <span className="topbar-spacer" />
        <button
          type="button"
          className="button button-primary button-small"
          title={
            patient
              ? thread.encounter_id
                ? "Open the e-visit this thread became (v)"
                : "Convert to e-visit: a draft async visit with the history filled in (v)"
              : "Link the thread to a patient before starting an e-visit"
          }
          aria-keyshortcuts="v"
          disabled={!patient || busy !== null}
          onClick={() => void convert()}
        >
          {busy === "convert" ? "Opening…" : "Convert to e-visit"}
        </button>
      </div>

      <p
        className={notice?.refused ? "thread-notice is-refused" : "thread-notice"}
        role={notice?.refused ? "alert" : "status"}
        data-testid="thread-notice"
      >
        {notice?.text}
      </p>

      <div className="thread-body">
        <ThreadContext view={view} onLink={() => setDialog("link")} />

        <section className="thread-conversation" aria-label="Conversation">
          {view.messages === 0 && count === 0 && <p className="queue-message muted">No messages yet.</p>}
          {rows.error && (
            <ReadFailed what="Messages" message={rows.error.message} onRetry={rows.refetch} />
          )}
          <MessageList
            count={count}
            messageAt={rows.rowAt}
            onRange={rows.want}
            firstUnread={opened.current?.firstUnread ?? null}
            highlighted={highlighted}
            jump={jump}
            toBottom={toBottom}
            authorOf={authorOf}
            listRef={listRef}
          />
          <Composer
            value={draft}
            onChange={(text) => {
              onDraft(text);
              setSendError(null);
            }}
            onSend={() => void send()}
            onQuickReply={quickReply}
            sending={sending}
            closed={closed}
            firstName={patient?.given_name ?? null}
            error={sendError}
            textareaRef={replyRef}
          />
        </section>

        <aside className="thread-side" aria-label="Summary">
          <ThreadSummary
            state={summary}
            since={view.summary_since}
            onCite={(id, n) => void cite(id, n)}
            headingRef={summaryRef}
          />
        </aside>
      </div>

      <KeyHints
        shortcuts={[
          KEYS.back,
          KEYS.claim,
          KEYS.assign,
          KEYS.escalate,
          KEYS.requestReview,
          KEYS.reviewed,
          KEYS.close,
          KEYS.reopen,
          KEYS.evisit,
          !patient && KEYS.link,
          KEYS.reply,
          KEYS.summary,
          KEYS.scroll,
          KEYMAP.anywhere.shortcuts.help,
        ]}
      />

      {dialog === "assign" && (
        <AssignDialog
          threadId={threadId}
          about={about}
          me={me.id}
          onClose={() => setDialog(null)}
          onAssigned={(next, person) => {
            setDialog(null);
            setView((v) => ({ ...v, thread: next }));
            changed(`${ACTION_DONE.assign} to ${person.display_name}.`);
          }}
          onError={onError}
        />
      )}
      {dialog === "escalate" && (
        <EscalateDialog
          threadId={threadId}
          about={about}
          onClose={() => setDialog(null)}
          onEscalated={(next) => {
            setDialog(null);
            setView((v) => ({ ...v, thread: next }));
            changed(`${ACTION_DONE.escalate} to the physicians' queue.`);
          }}
          onError={onError}
        />
      )}
      {dialog === "link" && (
        <LinkPatientDialog
          threadId={threadId}
          fromNumber={thread.from_number ?? ""}
          onClose={() => setDialog(null)}
          onLinked={(next, linked) => {
            setDialog(null);
            setView((v) => ({ ...v, thread: next }));
            changed(`${ACTION_DONE.link_patient} to ${displayName(linked)}.`);
          }}
          onError={onError}
        />
      )}
    </div>
  );
}

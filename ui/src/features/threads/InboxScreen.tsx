import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import type { InboxCounts } from "../../bindings/InboxCounts";
import type { InboxItem } from "../../bindings/InboxItem";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { allOf, queryKeys } from "../../lib/data/keys";
import { useWrite } from "../../lib/data/query";
import { useRowPages } from "../../lib/data/useRowPages";
import { formatAge } from "../../lib/format";
import { inbox, threadAction, toIpcError, type IpcError } from "../../lib/ipc";
import { isOnControl } from "../../lib/keyboard";
import { actionOf, isBackward, KEYMAP } from "../../lib/keymap";
import { useLatest } from "../../lib/useLatest";
import { useNow } from "../../lib/useNow";
import { useShortcutKeys } from "../../lib/useShortcutKeys";
import { KeyHints } from "../help/KeyHints";
import { SERVICE_LINES } from "../charting/model";
import { ReadFailed } from "../common/Notices";
import { Segmented, type SegmentOption } from "../common/Segmented";
import { queueName } from "../operations/labels";
import { actorName } from "../operations/TaskDetails";
import { usePractitionerNames } from "../operations/usePractitionerNames";
import { VirtualList } from "../common/VirtualList";
import { useSync } from "../sync/SyncContext";
import {
  ACTION_DONE,
  ACTION_REFUSED,
  COUNTDOWN_TICK_MS,
  INBOX_TABS,
  choiceKey,
  countdown,
  fromNumberLabel,
  tabOf,
  threadStatusLabel,
  type InboxChoice,
} from "./labels";
import "./inbox.css";

/** Rows per request: what is in view and more around it (the core allows 500). */
export const INBOX_WINDOW = 100;
/** Every thread row is this tall (px): up to three short lines. */
export const INBOX_ROW_HEIGHT = 76;

const ALL_LINES = "all";
const LINE_OPTIONS: readonly SegmentOption<string>[] = [{ value: ALL_LINES, label: "All" }, ...SERVICE_LINES];

/** The thread highlighted; when it leaves the list, the row now at `index` is. */
export interface InboxSelection {
  id: string | null;
  index: number;
}

interface Props {
  session: SessionInfo;
  choice: InboxChoice;
  onChoice: (choice: InboxChoice) => void;
  /** Where the highlight was when the inbox was last left (the thread screen, say). */
  selection: InboxSelection;
  /** The inbox is going away: where its highlight was. */
  onLeave: (selection: InboxSelection) => void;
  onOpenThread: (threadId: string) => void;
  /** The first filter, for "/". */
  filtersRef?: RefObject<HTMLInputElement | null> | undefined;
  onError?: ((error: IpcError) => void) | undefined;
}

/** How far around the remembered row to look for its thread (it moves when others arrive). */
const FIND_SPAN = INBOX_WINDOW;
const KEYS = KEYMAP.inbox.shortcuts;

function resolveIndex(total: number, rowAt: (i: number) => InboxItem | undefined, selection: InboxSelection): number {
  if (total <= 0) return -1;
  const at = Math.min(Math.max(selection.index, 0), total - 1);
  if (selection.id === null || rowAt(at)?.thread.id === selection.id) return at;
  for (let d = 1; d <= FIND_SPAN; d += 1) {
    if (rowAt(at - d)?.thread.id === selection.id) return at - d;
    if (rowAt(at + d)?.thread.id === selection.id) return at + d;
  }
  return at;
}

function who(item: InboxItem): string {
  return item.patient_name ?? fromNumberLabel(item.thread.from_number);
}

/** Patients' message threads, most pressing first, worked by keyboard. */
export function InboxScreen({ session, choice, onChoice, selection: remembered, onLeave, onOpenThread, filtersRef, onError }: Props) {
  const me = session.practitioner;
  const key = choiceKey(choice);
  const [selection, setSelection] = useState<InboxSelection>(remembered);
  const [announcement, setAnnouncement] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const onErrorRef = useLatest(onError);
  const sync = useSync();
  const names = usePractitionerNames(me);
  const now = useNow(COUNTDOWN_TICK_MS);
  const openedWith = useRef(key);

  // One query per page of rows: each sync round (which may bring messages and threads taken
  // elsewhere) and each claim reads again the pages in view.
  const pageKey = useCallback(
    (offset: number, limit: number) => queryKeys.inbox({ ...choice, offset, limit }),
    // `key` stands for the choice (a new object with the same meaning is the same list).
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key],
  );
  const rows = useRowPages<InboxItem, InboxCounts>({
    listKey: key,
    pageKey,
    read: (offset, limit) =>
      inbox({ ...choice, offset, limit }).then((page) => ({ items: page.items, total: page.total, extra: page.counts })),
    pageSize: INBOX_WINDOW,
    // Back from a thread: start where the highlight was; another queue starts at its top.
    anchor: key === openedWith.current ? remembered.index : 0,
    onError,
  });
  const claimThread = useWrite((id: string) => threadAction(id, { action: "claim" }), (id) => [
    allOf("inbox"),
    queryKeys.thread(id),
  ]);
  // The tabs keep their counts while another queue loads.
  const lastCounts = useRef<InboxCounts | null>(null);
  if (rows.extra) lastCounts.current = rows.extra;
  const counts = lastCounts.current;

  // Another queue or filter: start at its top.
  const shownKey = useRef(key);
  useEffect(() => {
    if (shownKey.current === key) return;
    shownKey.current = key;
    setSelection({ id: null, index: 0 });
  }, [key]);

  useEffect(() => {
    listRef.current?.focus({ preventScroll: true });
  }, []);

  const count = rows.total ?? 0;
  const index = resolveIndex(count, rows.rowAt, selection);
  const selected = index >= 0 ? rows.rowAt(index) : undefined;

  // Leaving (a thread opened, another screen): say where the highlight was.
  const place = useLatest<InboxSelection>({ id: selected?.thread.id ?? selection.id, index: Math.max(index, 0) });
  const onLeaveRef = useLatest(onLeave);
  useEffect(() => () => onLeaveRef.current(place.current), [onLeaveRef, place]);

  const tab = tabOf(choice.queue);

  function select(next: number) {
    if (count === 0) return;
    const clamped = Math.max(0, Math.min(count - 1, next));
    setSelection({ id: rows.rowAt(clamped)?.thread.id ?? null, index: clamped });
  }

  function switchQueue(delta: number) {
    const at = INBOX_TABS.findIndex((t) => t.queue === choice.queue);
    const next = INBOX_TABS[(at + delta + INBOX_TABS.length) % INBOX_TABS.length];
    if (next) onChoice({ ...choice, queue: next.queue });
  }

  async function claim(item: InboxItem) {
    const id = item.thread.id;
    if (busy !== null) return;
    if (item.thread.assignee_id === me.id) {
      setAnnouncement(`Already yours: ${who(item)}.`);
      return;
    }
    setBusy(id);
    try {
      await claimThread.mutateAsync(id);
      const where = choice.queue === "mine" ? "" : " It is in Mine now.";
      setAnnouncement(`${ACTION_DONE.claim}: ${who(item)}.${where}`);
      sync.refresh();
    } catch (caught) {
      const failure = toIpcError(caught);
      setAnnouncement(`${ACTION_REFUSED.claim}: ${failure.message}`);
      onErrorRef.current?.(failure);
    } finally {
      setBusy(null);
    }
  }

  useShortcutKeys((event) => {
    const onControl = isOnControl(event.target);
    const page = Math.max(1, Math.floor((listRef.current?.clientHeight || 640) / INBOX_ROW_HEIGHT) - 1);
    const back = isBackward(event);
    switch (actionOf("inbox", event)) {
      case "move":
        select(index + (back ? -1 : 1));
        return true;
      case "page":
        select(index + (back ? -page : page));
        return true;
      case "ends":
        select(event.key === "Home" ? 0 : count - 1);
        return true;
      case "tab":
        if (onControl) return false;
        switchQueue(back ? -1 : 1);
        return true;
      case "urgent":
        onChoice({ ...choice, urgent_only: !choice.urgent_only });
        return true;
      case "unread":
        onChoice({ ...choice, unread_only: !choice.unread_only });
        return true;
      case "refresh":
        rows.refetch();
        return true;
    }
    if (!selected) return false;
    switch (actionOf("inbox", event)) {
      case "open":
        if (onControl) return false;
        onOpenThread(selected.thread.id);
        return true;
      case "claim":
        void claim(selected);
        return true;
    }
    return false;
  });

  const filtered = choice.urgent_only || choice.unread_only || choice.service_line !== null;
  const focusList = () => listRef.current?.focus({ preventScroll: true });

  return (
    <div className="inbox" data-testid="inbox-screen">
      <header className="inbox-header">
        <h1 className="ops-title">Inbox</h1>
        <nav className="inbox-tabs" aria-label="Inbox queues">
          {INBOX_TABS.map((t) => {
            const n = t.count && counts ? counts[t.count] : null;
            return (
              <button
                key={t.queue}
                type="button"
                className="inbox-tab"
                data-testid={`inbox-tab-${t.queue}`}
                aria-current={t.queue === choice.queue ? "true" : undefined}
                onClick={() => {
                  onChoice({ ...choice, queue: t.queue });
                  focusList();
                }}
              >
                {t.label}
                {n !== null && (
                  <span className={n > 0 ? "inbox-count" : "inbox-count is-zero"}>{Number(n).toLocaleString("en-US")}</span>
                )}
              </button>
            );
          })}
        </nav>
      </header>

      <div className="inbox-filters" role="group" aria-label="Filters">
        <label className="checkbox">
          <input
            ref={filtersRef}
            type="checkbox"
            checked={choice.urgent_only}
            onChange={(e) => onChoice({ ...choice, urgent_only: e.target.checked })}
          />
          Urgent only{" "}
          <kbd aria-hidden="true">u</kbd>
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={choice.unread_only}
            onChange={(e) => onChoice({ ...choice, unread_only: e.target.checked })}
          />
          Unread only{" "}
          <kbd aria-hidden="true">n</kbd>
        </label>
        <span className="inbox-filter-label" id="inbox-line-label">
          Service line
        </span>
        <Segmented
          label="Service line"
          labelledBy="inbox-line-label"
          options={LINE_OPTIONS}
          value={choice.service_line ?? ALL_LINES}
          onChange={(line) => onChoice({ ...choice, service_line: line === ALL_LINES ? null : line })}
        />
      </div>

      <p className="queue-status" role="status" data-testid="inbox-status">
        {announcement}
      </p>

      {rows.error && (
        <ReadFailed what="The inbox" message={rows.error.message} onRetry={rows.refetch} />
      )}
      {rows.loading && !rows.error && <p className="queue-message muted">Loading the inbox…</p>}
      {!rows.loading && !rows.error && count === 0 && (
        <p className="queue-message muted" data-testid="inbox-empty">
          {filtered ? "No threads match these filters. Turn them off with u, n or the service line." : tab.empty}
        </p>
      )}

      <VirtualList
        listRef={listRef}
        className="inbox-list"
        label={`${tab.label} threads`}
        testId="inbox-list"
        count={count}
        rowHeight={INBOX_ROW_HEIGHT}
        selected={index}
        activeDescendant={selected ? `thread-${selected.thread.id}` : undefined}
        rowKey={(i) => rows.rowAt(i)?.thread.id ?? `row-${i}`}
        onRangeChange={rows.want}
        renderRow={(i) => {
          const item = rows.rowAt(i);
          if (!item) {
            return (
              <div
                role="option"
                aria-selected={i === index}
                aria-posinset={i + 1}
                aria-setsize={count}
                className="inbox-row is-loading"
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => select(i)}
              >
                <span className="muted">Loading…</span>
              </div>
            );
          }
          return (
            <InboxRow
              item={item}
              index={i}
              count={count}
              selected={i === index}
              busy={busy === item.thread.id}
              now={now}
              names={names}
              onOpen={() => {
                select(i);
                onOpenThread(item.thread.id);
              }}
            />
          );
        }}
      />

      <KeyHints
        shortcuts={[
          KEYS.move,
          KEYS.open,
          KEYS.tab,
          KEYS.claim,
          KEYS.urgent,
          KEYS.unread,
          KEYS.filters,
          KEYS.refresh,
          KEYMAP.anywhere.shortcuts.help,
        ]}
      />
    </div>
  );
}

interface RowProps {
  item: InboxItem;
  index: number;
  count: number;
  selected: boolean;
  busy: boolean;
  now: Date;
  names: ReadonlyMap<string, string>;
  /** A click opens the thread (there is no preview pane to select for). */
  onOpen: () => void;
}

function InboxRow({ item, index, count, selected, busy, now, names, onOpen }: RowProps) {
  const { thread } = item;
  const matched = item.patient_name !== null;
  const age = item.birth_date ? formatAge(item.birth_date, now) : null;
  const due = countdown(thread.respond_by, now);
  const { escalation } = thread;
  return (
    <div
      id={`thread-${thread.id}`}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      aria-setsize={count}
      aria-busy={busy || undefined}
      data-testid="inbox-row"
      data-thread={thread.id}
      data-unread={item.unread ? "true" : undefined}
      className={["inbox-row", item.unread ? "is-unread" : "", thread.urgent ? "is-urgent" : ""].join(" ").trim()}
      onMouseDown={(e) => e.preventDefault() /* keep the keyboard on the list */}
      onClick={onOpen}
    >
      <div className="inbox-line">
        <span className="unread-dot" data-testid={item.unread ? "unread-dot" : undefined} aria-hidden="true" />
        {item.unread && <span className="visually-hidden">Unread: </span>}
        {thread.urgent && <span className="urgent-badge">Urgent</span>}
        <span className="inbox-patient">{who(item)}</span>
        {matched ? (
          <>
            {age && <span className="inbox-age">{age}</span>}
            {item.state && (
              <span className="task-state" title={`Located in ${item.state}`}>
                {item.state}
              </span>
            )}
          </>
        ) : (
          <span className="inbox-tag">Unmatched number</span>
        )}
        {thread.status !== "open" && <span className="status-badge">{threadStatusLabel(thread.status)}</span>}
        <span className="task-fill" />
        <span className="inbox-assignee">{busy ? "Saving…" : (item.assignee_name ?? "Unassigned")}</span>
        {due && (
          <span className={due.overdue ? "inbox-due is-overdue" : "inbox-due"} data-testid="countdown">
            {due.text}
          </span>
        )}
      </div>
      <div className="inbox-line inbox-preview">
        {!item.last_from_patient && item.preview && <span className="inbox-you">You:</span>}
        <span className="inbox-preview-text">{item.preview}</span>
      </div>
      {escalation && (
        <div className="inbox-line inbox-note" data-testid="inbox-escalation">
          Escalated to {queueName(escalation.to).toLowerCase()} by {actorName(escalation.by, names)}: {escalation.reason}
        </div>
      )}
    </div>
  );
}

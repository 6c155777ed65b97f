import { useEffect, useRef, useState } from "react";
import type { Practitioner } from "../../bindings/Practitioner";
import type { QueueFilter } from "../../bindings/QueueFilter";
import type { QueueItem } from "../../bindings/QueueItem";
import type { QueueSort } from "../../bindings/QueueSort";
import type { Role } from "../../bindings/Role";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { Task } from "../../bindings/Task";
import { allOf, queryKeys } from "../../lib/data/keys";
import { useRead, useWrite } from "../../lib/data/query";
import { formatClock, plural } from "../../lib/format";
import {
  cancelTask,
  claimTask,
  completeTask,
  handOffTask,
  taskQueue,
  toIpcError,
  whoCanTake,
  type IpcError,
} from "../../lib/ipc";
import { isOnControl } from "../../lib/keyboard";
import { actionOf, isBackward, KEYMAP } from "../../lib/keymap";
import { useLatest } from "../../lib/useLatest";
import { useShortcutKeys } from "../../lib/useShortcutKeys";
import { KeyHints } from "../help/KeyHints";
import { ReadFailed } from "../common/Notices";
import { QueueLoadPanel } from "../charts/QueueLoadPanel";
import { Segmented, type SegmentOption } from "../common/Segmented";
import { useSync } from "../sync/SyncContext";
import { HandOffDialog } from "./HandOffDialog";
import { kindLabel, priorityLabel, queueName, statusLabel } from "./labels";
import { TaskDetails } from "./TaskDetails";
import { usePractitionerNames } from "./usePractitionerNames";
import { filterKey, queueFor } from "./tasks";
import { VirtualList } from "../common/VirtualList";
import "./queues.css";

/** The core answers with at most this many tasks (its maximum); the counts still cover them all. */
export const QUEUE_LIMIT = 500;
/** Every task row is this tall (px), so the list can window without measuring. */
export const ROW_HEIGHT = 64;

const SORTS: readonly SegmentOption<QueueSort>[] = [
  { value: "due", label: "Due" },
  { value: "priority", label: "Priority" },
];

type Action = "claim" | "complete" | "cancel" | "hand_off";

/** A refusal, shown on the task's row until the next action on it. */
interface RowNote {
  action: Action;
  message: string;
  /** Who could take the task instead (null: not looked up, or not a question of role and license). */
  colleagues: Practitioner[] | null;
}

const NOT_DONE: Record<Action, string> = {
  claim: "Not claimed",
  complete: "Not done",
  cancel: "Not cancelled",
  hand_off: "Not handed off",
};

interface Props {
  session: SessionInfo;
  filter: QueueFilter;
  sort: QueueSort;
  onFilter: (filter: QueueFilter) => void;
  onSort: (sort: QueueSort) => void;
  /** Enter on a task: the patient's chart. */
  onOpenPatient: (patientId: string) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

interface Selection {
  /** The task highlighted; when it leaves the list, the row now at `index` is. */
  id: string | null;
  index: number;
}

const KEYS = KEYMAP.queues.shortcuts;

function resolveIndex(items: readonly QueueItem[], selection: Selection): number {
  if (items.length === 0) return -1;
  if (selection.id !== null) {
    const found = items.findIndex((i) => i.task.id === selection.id);
    if (found >= 0) return found;
  }
  return Math.min(Math.max(selection.index, 0), items.length - 1);
}

/** The role queues of the signed-in user and their own tasks, worked by keyboard. */
export function QueuesScreen({ session, filter, sort, onFilter, onSort, onOpenPatient, onError }: Props) {
  const me = session.practitioner;
  const key = `${filterKey(filter)}:${sort}`;
  // Another queue shows the one before until its answer comes (the tabs keep their counts).
  const query = useRead(queryKeys.taskQueue(filter, sort, QUEUE_LIMIT), () => taskQueue(filter, sort, QUEUE_LIMIT), {
    keepPrevious: true,
    onError,
  });
  // Applied on this device; the server hears of it at the next sync (a refusal then shows in the
  // refused-changes panel). The queues are read again.
  const write = useWrite(
    (run: () => Promise<Task>) => run(),
    () => [allOf("task_queue")],
  );
  const [selection, setSelection] = useState<Selection>({ id: null, index: 0 });
  const [notes, setNotes] = useState<Readonly<Record<string, RowNote>>>({});
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [handingOff, setHandingOff] = useState<QueueItem | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const listRef = useRef<HTMLDivElement>(null);
  const onErrorRef = useLatest(onError);
  const sync = useSync();
  // Names for the task history: the directory when it can be read (else "a colleague").
  const names = usePractitionerNames(me);

  // Another queue: start at its top.
  useEffect(() => {
    setSelection({ id: null, index: 0 });
    setConfirming(null);
  }, [key]);

  useEffect(() => {
    listRef.current?.focus({ preventScroll: true });
  }, []);

  const items = query.data && !query.isPlaceholderData ? query.data.items : null;
  const counts = query.data ? { counts: query.data.counts, mine: Number(query.data.mine) } : null;
  const loadError = query.error;
  const index = items ? resolveIndex(items, selection) : -1;
  const selected = index >= 0 && items ? items[index] : undefined;

  const queues: Array<{ filter: QueueFilter; testId: string; label: string; detail: string; overdue: number }> = [
    {
      filter: { kind: "mine" },
      testId: "queue-mine",
      label: "My tasks",
      detail: counts ? plural(counts.mine, "task", "tasks") : "",
      overdue: 0,
    },
    ...(counts?.counts.map((c) => c.queue) ?? me.roles.filter((r) => r !== "admin")).map((role) => {
      const count = counts?.counts.find((c) => c.queue === role);
      return {
        filter: { kind: "role", role } satisfies QueueFilter,
        testId: `queue-${role}`,
        label: queueName(role),
        detail: count ? `${Number(count.ready).toLocaleString("en-US")}${count.more ? "+" : ""} ready` : "",
        overdue: count ? Number(count.overdue) : 0,
      };
    }),
  ];

  function select(next: number) {
    if (!items || items.length === 0) return;
    const clamped = Math.max(0, Math.min(items.length - 1, next));
    setSelection({ id: items[clamped]?.task.id ?? null, index: clamped });
    setConfirming(null);
  }

  function switchQueue(delta: number) {
    const at = queues.findIndex((q) => filterKey(q.filter) === filterKey(filter));
    const next = queues[(at + delta + queues.length) % queues.length];
    if (next) onFilter(next.filter);
  }

  function clearNote(id: string) {
    setNotes((all) => {
      if (!(id in all)) return all;
      const next = { ...all };
      delete next[id];
      return next;
    });
  }

  async function act(item: QueueItem, action: Action, run: () => Promise<Task>, done: string) {
    const id = item.task.id;
    if (busy !== null) return;
    setBusy(id);
    setConfirming(null);
    clearNote(id);
    try {
      await write.mutateAsync(run);
      setAnnouncement(done);
      sync.refresh();
    } catch (caught) {
      const failure = toIpcError(caught);
      const note: RowNote = { action, message: failure.message, colleagues: null };
      setNotes((all) => ({ ...all, [id]: note }));
      setAnnouncement(`${NOT_DONE[action]}: ${failure.message}`);
      onErrorRef.current?.(failure);
      // Refused for role or license: say who on the team could take it, one key away.
      const mayHandOn = item.task.owner_id === null || item.task.owner_id === me.id;
      if (failure.code === "forbidden" && mayHandOn) {
        whoCanTake(id).then(
          (people) => {
            const colleagues = people.filter((p) => p.id !== me.id);
            setNotes((all) => (all[id] === note ? { ...all, [id]: { ...note, colleagues } } : all));
          },
          () => {
            // The refusal stands on its own; the hand-off dialog (h) can look again.
          },
        );
      }
    } finally {
      setBusy(null);
    }
  }

  const what = (item: QueueItem) => `${kindLabel(item.task.kind)} for ${item.patient_name}`;

  function claim(item: QueueItem) {
    if (item.task.owner_id === me.id && item.task.status === "in_progress") {
      setAnnouncement(`Already yours: ${what(item)}.`);
      return;
    }
    const where = filter.kind === "mine" ? "" : " It is in My tasks now.";
    void act(item, "claim", () => claimTask(item.task.id), `Claimed: ${what(item)}.${where}`);
  }

  function complete(item: QueueItem) {
    void act(item, "complete", () => completeTask(item.task.id), `Done: ${what(item)}.`);
  }

  function cancel(item: QueueItem) {
    void act(item, "cancel", () => cancelTask(item.task.id), `Cancelled: ${what(item)}.`);
  }

  function handTo(item: QueueItem, person: Practitioner, queue: Role) {
    void act(
      item,
      "hand_off",
      () => handOffTask(item.task.id, person.id, queue),
      `Handed to ${person.display_name} (${queueName(queue)}): ${what(item)}.`,
    );
  }

  useShortcutKeys((event) => {
    const onControl = isOnControl(event.target);
    const page = Math.max(1, Math.floor((listRef.current?.clientHeight || 640) / ROW_HEIGHT) - 1);
    const back = isBackward(event);
    switch (actionOf("queues", event)) {
      case "move":
        select(index + (back ? -1 : 1));
        return true;
      case "page":
        select(index + (back ? -page : page));
        return true;
      case "ends":
        select(event.key === "Home" ? 0 : (items?.length ?? 0) - 1);
        return true;
      case "queue":
        if (onControl) return false;
        switchQueue(back ? -1 : 1);
        return true;
      case "sort":
        onSort(sort === "due" ? "priority" : "due");
        return true;
      case "refresh":
        void query.refetch();
        return true;
      case "dismiss":
        if (confirming !== null) {
          setConfirming(null);
          return true;
        }
        if (selected && notes[selected.task.id]) {
          clearNote(selected.task.id);
          return true;
        }
        return false;
    }
    if (!selected) return false;
    const id = selected.task.id;
    switch (actionOf("queues", event)) {
      case "open":
        if (onControl) return false;
        if (confirming === id) cancel(selected);
        else onOpenPatient(selected.patient_id);
        return true;
      case "cancel":
        if (confirming === id) cancel(selected);
        else setConfirming(id);
        return true;
      case "claim":
        claim(selected);
        return true;
      case "done":
        complete(selected);
        return true;
      case "handOff":
        setConfirming(null);
        setHandingOff(selected);
        return true;
    }
    const digit = actionOf("queues", event) === "handTo" ? Number(event.key) - 1 : -1;
    const person = digit >= 0 ? notes[id]?.colleagues?.[digit] : undefined;
    if (person) {
      handTo(selected, person, queueFor(person, selected.task));
      return true;
    }
    return false;
  });

  const current = queues.find((q) => filterKey(q.filter) === filterKey(filter));
  const total =
    filter.kind === "mine" ? counts?.mine : Number(counts?.counts.find((c) => c.queue === filter.role)?.ready ?? 0);

  return (
    <div className="queues" data-testid="queues-screen">
      <nav className="queue-nav" aria-label="Queues">
        <h1 className="ops-title">Queues</h1>
        <ul>
          {queues.map((q) => {
            const chosen = filterKey(q.filter) === filterKey(filter);
            return (
              <li key={q.testId}>
                <button
                  type="button"
                  className="queue-button"
                  data-testid={q.testId}
                  aria-current={chosen ? "true" : undefined}
                  onClick={() => {
                    onFilter(q.filter);
                    // The keyboard goes on with the tasks (Enter opens, not re-chooses).
                    listRef.current?.focus({ preventScroll: true });
                  }}
                >
                  <span className="queue-name">{q.label}</span>
                  <span className="queue-counts">
                    {q.detail}
                    {q.overdue > 0 && <span className="queue-overdue"> · {q.overdue.toLocaleString("en-US")} overdue</span>}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
        {counts && <QueueLoadPanel version={JSON.stringify(counts)} />}
        <p className="key-hints queue-nav-hints" aria-hidden="true">
          <kbd>←</kbd>
          <kbd>→</kbd> queue
        </p>
      </nav>

      <section className="queue-main" aria-labelledby="queue-title">
        <header className="queue-header">
          <h2 id="queue-title" className="queue-title">
            {current?.label ?? "Queue"}
          </h2>
          <Segmented label="Sort by" options={SORTS} value={sort} onChange={onSort} />
          <span className="topbar-spacer" />
          <div className="queue-actions" aria-label="Selected task">
            <button
              type="button"
              className="button button-quiet button-small"
              disabled={!selected || busy !== null}
              onClick={() => selected && claim(selected)}
            >
              Claim <kbd>c</kbd>
            </button>
            <button
              type="button"
              className="button button-quiet button-small"
              disabled={!selected || busy !== null}
              onClick={() => selected && complete(selected)}
            >
              Done <kbd>d</kbd>
            </button>
            <button
              type="button"
              className="button button-quiet button-small"
              disabled={!selected || busy !== null}
              onClick={() => selected && setHandingOff(selected)}
            >
              Hand off <kbd>h</kbd>
            </button>
            <button
              type="button"
              className="button button-quiet button-small"
              disabled={!selected || busy !== null}
              onClick={() => selected && (confirming === selected.task.id ? cancel(selected) : setConfirming(selected.task.id))}
            >
              {selected && confirming === selected.task.id ? "Confirm cancel" : "Cancel task"} <kbd>x</kbd>
            </button>
          </div>
        </header>

        <p className="queue-status" role="status" data-testid="queue-status">
          {announcement}
        </p>

        {loadError && (
          <ReadFailed what="The queue" message={loadError.message} onRetry={() => void query.refetch()} />
        )}
        {items === null && !loadError && <p className="queue-message muted">Loading the queue…</p>}
        {items !== null && items.length === 0 && (
          <p className="queue-message muted">
            {filter.kind === "mine"
              ? "You have no open tasks. Claim one from a role queue with c."
              : "Nothing is waiting in this queue."}
          </p>
        )}

        <VirtualList
          listRef={listRef}
          className="task-list"
          label={`${current?.label ?? "Queue"} tasks`}
          testId="task-list"
          count={items?.length ?? 0}
          rowHeight={ROW_HEIGHT}
          selected={index}
          activeDescendant={selected ? `task-${selected.task.id}` : undefined}
          rowKey={(i) => items?.[i]?.task.id ?? String(i)}
          renderRow={(i) => {
            const item = items?.[i];
            if (!item) return null;
            return (
              <TaskRow
                item={item}
                index={i}
                count={items.length}
                selected={i === index}
                note={notes[item.task.id] ?? null}
                confirming={confirming === item.task.id}
                busy={busy === item.task.id}
                onSelect={() => {
                  select(i);
                  listRef.current?.focus({ preventScroll: true });
                }}
                onOpen={() => onOpenPatient(item.patient_id)}
                onHandTo={(person) => handTo(item, person, queueFor(person, item.task))}
              />
            );
          }}
        />

        {selected && <TaskDetails task={selected.task} names={names} />}

        {items !== null && items.length >= QUEUE_LIMIT && (
          <p className="queue-message queue-limit">
            Showing the first {QUEUE_LIMIT.toLocaleString("en-US")}
            {total ? ` of ${total.toLocaleString("en-US")}` : ""}. The rest move up as these are done.
          </p>
        )}

        <KeyHints
          shortcuts={[
            KEYS.move,
            KEYS.open,
            KEYS.claim,
            KEYS.done,
            KEYS.cancel,
            KEYS.handOff,
            KEYS.sort,
            KEYMAP.anywhere.shortcuts.patients,
            KEYMAP.anywhere.shortcuts.help,
          ]}
        />
      </section>

      {handingOff && (
        <HandOffDialog
          item={handingOff}
          me={me.id}
          onClose={() => setHandingOff(null)}
          onHandedOff={(person, queue) => {
            const item = handingOff;
            setHandingOff(null);
            clearNote(item.task.id);
            setAnnouncement(`Handed to ${person.display_name} (${queueName(queue)}): ${what(item)}.`);
            sync.refresh();
          }}
          onError={onError}
        />
      )}
    </div>
  );
}

interface RowProps {
  item: QueueItem;
  index: number;
  count: number;
  selected: boolean;
  note: RowNote | null;
  confirming: boolean;
  busy: boolean;
  onSelect: () => void;
  onOpen: () => void;
  onHandTo: (person: Practitioner) => void;
}

function TaskRow({ item, index, count, selected, note, confirming, busy, onSelect, onOpen, onHandTo }: RowProps) {
  const { task } = item;
  const due = formatClock(task.due_at) ?? task.due_at;
  return (
    <div
      id={`task-${task.id}`}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      aria-setsize={count}
      aria-busy={busy || undefined}
      data-testid="task-row"
      data-task={task.id}
      className={["task-row", item.overdue ? "task-overdue" : "", note ? "has-note" : ""].join(" ").trim()}
      onMouseDown={(e) => e.preventDefault() /* keep the keyboard on the list */}
      onClick={onSelect}
      onDoubleClick={onOpen}
    >
      <div className="task-line">
        <span className={`priority-badge priority-${task.priority}`}>{priorityLabel(task.priority)}</span>
        <span className="task-kind">{kindLabel(task.kind)}</span>
        <span className="task-patient">{item.patient_name}</span>
        <span className="task-state" title={`Needs a license in ${task.license_state}`}>
          {task.license_state}
        </span>
        <span className="task-fill" />
        <span className="task-status">{busy ? "Saving…" : statusLabel(task.status)}</span>
        <span className={item.overdue ? "task-due is-overdue" : "task-due"} data-testid="task-due">
          {item.overdue ? `Overdue · ${due}` : `Due ${due}`}
        </span>
      </div>
      <div className="task-line task-second">
        {confirming ? (
          <span className="task-confirm" role="alert">
            Cancel this task? Press <kbd>x</kbd> or <kbd>Enter</kbd> to cancel it, <kbd>Esc</kbd> to keep it.
          </span>
        ) : note ? (
          <span className="task-note" data-testid="task-note">
            <span className="task-note-text">
              {NOT_DONE[note.action]}: {note.message.replace(/\.$/, "")}.
            </span>
            {note.colleagues !== null &&
              (note.colleagues.length === 0 ? (
                <span className="task-note-who">Nobody else on the team could take it now.</span>
              ) : (
                <span className="task-note-who">
                  Could take it:
                  {note.colleagues.slice(0, 9).map((p, i) => (
                    <button
                      key={p.id}
                      type="button"
                      tabIndex={-1}
                      className="who-button"
                      onClick={(e) => {
                        e.stopPropagation();
                        onHandTo(p);
                      }}
                    >
                      <kbd>{i + 1}</kbd> {p.display_name}
                    </button>
                  ))}
                </span>
              ))}
          </span>
        ) : (
          <span className="task-description">{task.description}</span>
        )}
      </div>
    </div>
  );
}

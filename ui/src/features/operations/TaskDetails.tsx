import type { Task } from "../../bindings/Task";
import type { TaskEvent } from "../../bindings/TaskEvent";
import { formatClock } from "../../lib/format";
import { actionLabel, focusLabel } from "./labels";
import "./taskDetails.css";

interface Props {
  task: Task;
  /** Practitioner names by id, as far as they are known (the directory, the signed-in user). */
  names: ReadonlyMap<string, string>;
}

/** Who did something to a task: the server itself, a known colleague, or one not (yet) known here. */
export function actorName(by: string | null, names: ReadonlyMap<string, string>): string {
  if (by === null) return "Rounds (automatic)";
  return names.get(by) ?? "a colleague";
}

/** The selected task's details beside the list: what it is about and what happened to it. */
export function TaskDetails({ task, names }: Props) {
  return (
    <section className="task-details" aria-label="Task details" data-testid="task-details">
      <p className="task-details-focus">
        <span className="task-details-label">About</span>{" "}
        <span data-testid="task-focus">{task.focus ? focusLabel(task.focus) : "The patient"}</span>
      </p>
      <p className="task-details-label">History</p>
      {task.history.length === 0 ? (
        <p className="task-details-empty">Nothing recorded yet.</p>
      ) : (
        // The core sends them oldest first: the newest is last.
        <ol className="task-history" data-testid="task-history">
          {task.history.map((event, i) => (
            <HistoryLine key={`${event.at}-${i}`} event={event} names={names} />
          ))}
        </ol>
      )}
    </section>
  );
}

function HistoryLine({ event, names }: { event: TaskEvent; names: ReadonlyMap<string, string> }) {
  const when = formatClock(event.at) ?? event.at;
  const note = event.note.trim();
  return (
    <li className="task-history-event" data-action={event.action}>
      <time className="task-history-time" dateTime={event.at}>
        {when}
      </time>{" "}
      <span className="task-history-what">
        {actionLabel(event.action)} by {actorName(event.by, names)}
        {note && ` · ${note}`}
      </span>
    </li>
  );
}

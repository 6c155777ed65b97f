import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent } from "react";
import type { Role } from "../../bindings/Role";
import type { RoutingRule } from "../../bindings/RoutingRule";
import type { RoutingRules } from "../../bindings/RoutingRules";
import type { TaskKind } from "../../bindings/TaskKind";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { routingRules, toIpcError, updateRoutingRules, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { QueryStatus } from "../common/QueryStatus";
import { CARE_ROLES, kindLabel, queueName } from "./labels";

interface Props {
  online: boolean;
  onError?: ((error: IpcError) => void) | undefined;
}

/** One rule as the form holds it: the due time as typed, "" for "stays, more urgent". */
interface RuleDraft {
  kind: TaskKind;
  queue: Role;
  due: string;
  escalate: Role | "";
}

const STAYS = "";

function draftOf(rule: RoutingRule): RuleDraft {
  return { kind: rule.kind, queue: rule.queue, due: String(rule.due_minutes), escalate: rule.escalate_to ?? STAYS };
}

/** The rules to send, or what is wrong with the form (the core judges the rest). */
function rulesFrom(drafts: readonly RuleDraft[]): { rules: RoutingRule[] } | { problems: string[] } {
  const problems: string[] = [];
  const rules = drafts.map((d) => {
    const text = d.due.trim();
    const minutes = Number(text);
    if (text === "" || !Number.isInteger(minutes) || minutes < 0) {
      problems.push(`${kindLabel(d.kind)}: the due time must be a whole number of minutes.`);
    }
    return { kind: d.kind, queue: d.queue, due_minutes: minutes, escalate_to: d.escalate === STAYS ? null : d.escalate };
  });
  return problems.length > 0 ? { problems } : { rules };
}

/** Administrators: which queue each kind of task goes to, when it is due, and where it escalates. */
export function RoutingEditor({ online, onError }: Props) {
  const query = useRead(queryKeys.routingRules(), routingRules, { onError });
  const client = useQueryClient();
  const saved = useMemo(() => query.data?.rules.map(draftOf) ?? [], [query.data]);
  // The form as edited; until then, the rules in force.
  const [edited, setDrafts] = useState<RuleDraft[] | null>(null);
  const drafts = edited ?? saved;
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const onErrorRef = useLatest(onError);

  const changed = JSON.stringify(drafts) !== JSON.stringify(saved);

  function change(kind: TaskKind, patch: Partial<RuleDraft>) {
    setDrafts(drafts.map((d) => (d.kind === kind ? { ...d, ...patch } : d)));
    setError(null);
    setStatus("");
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (saving || !online || !changed) return;
    const checked = rulesFrom(drafts);
    if ("problems" in checked) {
      setError(`Not saved: ${checked.problems.join(" ")}`);
      return;
    }
    setSaving(true);
    setError(null);
    setStatus("");
    try {
      await updateRoutingRules({ rules: checked.rules });
      client.setQueryData<RoutingRules>(queryKeys.routingRules(), { rules: checked.rules });
      setDrafts(null);
      setStatus("Routing saved. New tasks follow it now.");
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not saved: ${failure.message}`);
      onErrorRef.current?.(failure);
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="routing" aria-labelledby="routing-title" data-testid="routing-editor">
      <h2 id="routing-title" className="routing-title">
        Routing
      </h2>
      <p className="muted routing-intro">
        Where new tasks of each kind go, how long they may wait, and where they go once overdue and unclaimed.
      </p>
      <QueryStatus query={query} what="The routing rules" loading="Loading the routing rules…" />
      {query.data && (
        <form onSubmit={(e) => void save(e)} noValidate>
          <div className="ops-table-wrap">
            <table className="ops-table routing-table">
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">Queue</th>
                  <th scope="col">Due in (minutes)</th>
                  <th scope="col">When overdue</th>
                </tr>
              </thead>
              <tbody>
                {drafts.map((d) => {
                  const what = kindLabel(d.kind);
                  return (
                    <tr key={d.kind} data-testid="routing-row" data-kind={d.kind}>
                      <th scope="row">{what}</th>
                      <td>
                        <select
                          className="select"
                          aria-label={`Queue for ${what}`}
                          value={d.queue}
                          onChange={(e) => change(d.kind, { queue: e.target.value as Role })}
                        >
                          {CARE_ROLES.map((r) => (
                            <option key={r} value={r}>
                              {queueName(r)}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        <input
                          className="text-input routing-due"
                          type="number"
                          min={0}
                          step={1}
                          inputMode="numeric"
                          aria-label={`Due in minutes for ${what}`}
                          value={d.due}
                          onChange={(e) => change(d.kind, { due: e.target.value })}
                        />
                      </td>
                      <td>
                        <select
                          className="select"
                          aria-label={`When overdue, ${what}`}
                          value={d.escalate}
                          onChange={(e) => change(d.kind, { escalate: e.target.value as Role | "" })}
                        >
                          <option value={STAYS}>Stays, more urgent</option>
                          {CARE_ROLES.map((r) => (
                            <option key={r} value={r}>
                              Escalate to {queueName(r).toLowerCase()}
                            </option>
                          ))}
                        </select>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {error && (
            <p className="form-error" role="alert" data-testid="routing-error">
              {error}
            </p>
          )}
          {!online && <p className="field-flag">Saving needs the server. Rounds is offline now.</p>}
          <p className="queue-status" role="status">
            {status}
          </p>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={saving || !online || !changed}>
              {saving ? "Saving…" : "Save routing"}
            </button>
            <button
              type="button"
              className="button button-quiet"
              disabled={saving || !changed}
              onClick={() => {
                setDrafts(saved);
                setError(null);
              }}
            >
              Undo changes
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

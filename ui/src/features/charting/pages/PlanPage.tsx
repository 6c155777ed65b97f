import { useEffect, useRef, useState } from "react";
import type { Drug } from "../../../bindings/Drug";
import type { LabTest } from "../../../bindings/LabTest";
import type { PlanSection } from "../../../bindings/PlanSection";
import type { PlannedTask } from "../../../bindings/PlannedTask";
import type { TaskKind } from "../../../bindings/TaskKind";
import { searchDrugs, searchLabs } from "../../../lib/ipc";
import { DraftText, type TextRef } from "../DraftText";
import { KEYMAP, matches } from "../../../lib/keymap";
import { usePageKeys } from "../keys";
import { TASK_KINDS, TASK_QUEUES, queueLabel, taskKindLabel } from "../model";
import { TypeAhead } from "../TypeAhead";
import { PageHeading, SaveRefusal, type PageProps } from "./common";

export const ORDER_SEARCH_LIMIT = 10;

type Queue = PlannedTask["queue"];

export function PlanPage({ api, onError }: PageProps) {
  const plan = api.draft.plan;
  const labRef = useRef<HTMLInputElement>(null);
  const drugRef = useRef<HTMLInputElement>(null);
  const instructionsRef: TextRef = useRef(null);

  useEffect(() => {
    instructionsRef.current?.focus();
  }, []);

  function save(next: Partial<PlanSection>) {
    void api.update({ section: "plan", ...plan, ...next });
  }

  usePageKeys((event) => {
    if (matches(KEYMAP.plan.shortcuts.lab, event)) {
      labRef.current?.focus();
      return true;
    }
    if (matches(KEYMAP.plan.shortcuts.drug, event)) {
      drugRef.current?.focus();
      return true;
    }
    return false;
  });

  return (
    <>
      <PageHeading focus={false}>Plan</PageHeading>

      <DraftText
        id="plan-instructions"
        label="Patient instructions"
        multiline
        rows={4}
        inputRef={instructionsRef}
        value={plan.instructions}
        onChange={(instructions) => save({ instructions })}
      />

      <div className="plan-columns">
        <section aria-labelledby="labs-heading" className="plan-block">
          <h3 id="labs-heading" className="section-label">
            Lab orders
          </h3>
          <TypeAhead<LabTest>
            id="lab-search"
            label="Order a lab"
            keyHint="L"
            placeholder="Test name or LOINC"
            inputRef={labRef}
            search={(q) => searchLabs(q, ORDER_SEARCH_LIMIT)}
            itemKey={(l) => l.loinc}
            isChosen={(l) => plan.labs.some((x) => x.loinc === l.loinc)}
            renderItem={(l) => (
              <>
                <span>{l.display}</span> <code className="code muted">{l.loinc}</code>
              </>
            )}
            onPick={(l) => {
              if (!plan.labs.some((x) => x.loinc === l.loinc)) save({ labs: [...plan.labs, { loinc: l.loinc, name: l.name }] });
            }}
            onError={onError}
          />
          {plan.labs.length > 0 && (
            <ul className="chosen-list">
              {plan.labs.map((l) => (
                <li key={l.loinc}>
                  <span className="chosen-main">{l.name}</span>
                  <code className="code muted">{l.loinc}</code>
                  <button
                    type="button"
                    className="button button-quiet button-small"
                    aria-label={`Remove ${l.name}`}
                    onClick={() => save({ labs: plan.labs.filter((x) => x.loinc !== l.loinc) })}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section aria-labelledby="meds-heading" className="plan-block">
          <h3 id="meds-heading" className="section-label">
            Medications
          </h3>
          <TypeAhead<Drug>
            id="drug-search"
            label="Prescribe"
            keyHint="R"
            placeholder="Medication name"
            inputRef={drugRef}
            search={(q) => searchDrugs(q, ORDER_SEARCH_LIMIT)}
            itemKey={(d) => d.rxcui}
            renderItem={(d) => (
              <>
                <span>{d.display}</span> <span className="muted">{d.default_sig}</span>
              </>
            )}
            onPick={(d) =>
              save({ medications: [...plan.medications, { rxcui: d.rxcui, name: d.name, sig: d.default_sig }] })
            }
            onError={onError}
          />
          {plan.medications.length > 0 && (
            <ul className="chosen-list chosen-list-stacked">
              {plan.medications.map((m, index) => (
                <li key={`${m.rxcui}-${index}`}>
                  <span className="chosen-main">{m.name}</span>
                  <DraftText
                    id={`med-${index}-sig`}
                    label={`Directions for ${m.name}`}
                    hideLabel
                    className="sig-field"
                    value={m.sig}
                    onChange={(sig) =>
                      save({ medications: plan.medications.map((x, i) => (i === index ? { ...x, sig } : x)) })
                    }
                  />
                  <button
                    type="button"
                    className="button button-quiet button-small"
                    aria-label={`Remove ${m.name}`}
                    onClick={() => save({ medications: plan.medications.filter((_, i) => i !== index) })}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <DraftText
        id="plan-follow-up"
        label="Follow-up"
        placeholder="e.g. in 3 days if not better"
        value={plan.follow_up}
        onChange={(follow_up) => save({ follow_up })}
      />

      <TasksForOthers tasks={plan.tasks} onChange={(tasks) => save({ tasks })} />

      <SaveRefusal api={api} section="plan" />
    </>
  );
}

function TasksForOthers({ tasks, onChange }: { tasks: PlannedTask[]; onChange: (tasks: PlannedTask[]) => void }) {
  const [queue, setQueue] = useState<Queue>("registered_nurse");
  const [kind, setKind] = useState<TaskKind>("lab_follow_up");
  const [description, setDescription] = useState("");

  function add() {
    const text = description.trim();
    if (!text) return;
    onChange([...tasks, { queue, kind, description: text }]);
    setDescription("");
  }

  return (
    <section aria-labelledby="tasks-heading" className="plan-tasks">
      <h3 id="tasks-heading" className="section-label">
        Tasks for others
      </h3>
      <form
        className="task-form"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <div className="field">
          <label htmlFor="task-queue">Queue</label>
          <select id="task-queue" className="select" value={queue} onChange={(e) => setQueue(e.target.value as Queue)}>
            {TASK_QUEUES.map((q) => (
              <option key={q.value} value={q.value}>
                {q.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="task-kind">Kind</label>
          <select id="task-kind" className="select" value={kind} onChange={(e) => setKind(e.target.value as TaskKind)}>
            {TASK_KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field task-description">
          <label htmlFor="task-description">Description</label>
          <input
            id="task-description"
            type="text"
            autoComplete="off"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <button type="submit" className="button button-quiet" disabled={!description.trim()}>
          Add task
        </button>
      </form>
      {tasks.length > 0 && (
        <ul className="chosen-list">
          {tasks.map((t, index) => (
            <li key={`${t.queue}-${index}`}>
              <span className="chosen-main">
                {queueLabel(t.queue)} · {taskKindLabel(t.kind)}: {t.description}
              </span>
              <button
                type="button"
                className="button button-quiet button-small"
                aria-label={`Remove task: ${t.description}`}
                onClick={() => onChange(tasks.filter((_, i) => i !== index))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

import { useEffect, useRef, useState } from "react";
import type { Practitioner } from "../../bindings/Practitioner";
import type { QueueItem } from "../../bindings/QueueItem";
import type { Role } from "../../bindings/Role";
import { allOf, queryKeys } from "../../lib/data/keys";
import { useRead, useWrite } from "../../lib/data/query";
import { rolesLabel } from "../../lib/format";
import { handOffTask, toIpcError, whoCanTake, type IpcError } from "../../lib/ipc";
import { ChoiceList } from "../common/ChoiceList";
import { DialogFooter } from "../common/DialogFooter";
import { Segmented } from "../common/Segmented";
import { isClinicalQueue, kindLabel, queueName } from "./labels";
import { Modal } from "../common/Modal";
import { licenseStates, queueFor, queuesFor } from "./tasks";
import "./handOff.css";

interface Props {
  item: QueueItem;
  /** The signed-in user: not offered as a colleague. */
  me: string;
  onClose: () => void;
  onHandedOff: (person: Practitioner, queue: Role) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/** Pick a colleague who may take the task (role and an active license in its state), and their queue. */
export function HandOffDialog({ item, me, onClose, onHandedOff, onError }: Props) {
  const { task } = item;
  const query = useRead(queryKeys.whoCanTake(task.id), () => whoCanTake(task.id), { onError });
  const handOff = useWrite(
    (v: { to: string; queue: Role }) => handOffTask(task.id, v.to, v.queue),
    () => [allOf("task_queue")],
  );
  const [active, setActive] = useState(0);
  // The queue picked; until then, the chosen colleague's usual one for this task.
  const [picked, setRole] = useState<Role | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);

  const loaded = query.data !== undefined;
  const people = (query.data ?? []).filter((p) => p.id !== me);
  const person = people[active];
  const role = picked ?? (person ? queueFor(person, task) : null);

  useEffect(() => {
    if (people.length > 0) listRef.current?.focus();
    // Once, when the colleagues have come.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);

  function choose(index: number) {
    const next = people[index];
    if (!next) return;
    setActive(index);
    setRole(queueFor(next, task));
    setError(null);
  }

  async function submit() {
    if (!person || !role || busy) return;
    setBusy(true);
    setError(null);
    try {
      await handOff.mutateAsync({ to: person.id, queue: role });
      onHandedOff(person, role);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not handed off: ${failure.message}`);
      onError?.(failure);
      setBusy(false);
    }
  }

  // Clinical work needs a license in the patient's state; a coordinator's does not.
  const clinical = isClinicalQueue(task.queue);
  const needs = clinical
    ? `needs a ${queueName(task.queue).toLowerCase()} with an active license in ${task.license_state}`
    : `for ${queueName(task.queue).toLowerCase()}s`;
  const choices = person ? queuesFor(person, task) : [];
  const roleChoices = choices.length > 1 ? choices : null;

  return (
    <Modal
      titleId="hand-off-title"
      title="Hand off"
      className="hand-off-dialog"
      testId="hand-off-dialog"
      onClose={onClose}
    >
      <p className="muted" data-testid="hand-off-needs">
        {kindLabel(task.kind)} for {item.patient_name} · {needs}
      </p>
      {query.isLoading && <p className="muted">Finding who could take it…</p>}
      {query.error && (
        <p className="form-error" role="alert">
          Could not find who could take it: {query.error.message}
        </p>
      )}
      {loaded && people.length === 0 && (
        <p className="hand-off-empty">
          {clinical
            ? `Nobody else on the team holds the ${queueName(task.queue).toLowerCase()} role and an active license in ${task.license_state} now.`
            : `Nobody else on the team is a ${queueName(task.queue).toLowerCase()} now.`}
        </p>
      )}
      {people.length > 0 && (
        <>
          <p id="hand-off-list-label" className="field-label">
            Colleague
          </p>
          <ChoiceList
            items={people}
            active={active}
            onActive={choose}
            onChoose={() => void submit()}
            itemKey={(p) => p.id}
            labelledBy="hand-off-list-label"
            idPrefix="hand-off-option"
            listRef={listRef}
            className="hand-off-list"
            optionClassName="hand-off-option"
            renderItem={(p) => <ColleagueOption person={p} />}
          />
          {role && (
            <p className="hand-off-destination" data-testid="hand-off-destination">
              Goes to the {queueName(role).toLowerCase()} queue
            </p>
          )}
          {roleChoices && (
            <div className="field">
              <span id="hand-off-queue-label" className="field-label">
                Queue
              </span>
              <Segmented
                label="Queue"
                labelledBy="hand-off-queue-label"
                options={roleChoices.map((r) => ({ value: r, label: queueName(r) }))}
                value={role}
                onChange={(r) => {
                  setRole(r);
                  setError(null);
                }}
              />
            </div>
          )}
        </>
      )}
      <DialogFooter
        error={error}
        label={busy ? "Handing off…" : person ? `Hand off to ${person.display_name}` : "Hand off"}
        disabled={!person || !role || busy}
        onConfirm={() => void submit()}
        onCancel={onClose}
      />
      <p className="key-hints dialog-hints" aria-hidden="true">
        <kbd>↑</kbd>
        <kbd>↓</kbd> or <kbd>1</kbd>–<kbd>9</kbd> choose · <kbd>Enter</kbd> hand off · <kbd>Esc</kbd> close
      </p>
    </Modal>
  );
}

/** A colleague in a pick list: name, then roles, license states and whether on duty. */
export function ColleagueOption({ person }: { person: Practitioner }) {
  return (
    <>
      <span className="hand-off-name">{person.display_name}</span>
      <span className="hand-off-meta">
        {rolesLabel(person.roles)}
        {person.licenses.length > 0 && ` · ${licenseStates(person)}`}
        {person.on_duty ? " · on duty" : " · off duty"}
      </span>
    </>
  );
}

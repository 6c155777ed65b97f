import { useEffect, useMemo, useRef, useState } from "react";
import type { Practitioner } from "../../bindings/Practitioner";
import type { Thread } from "../../bindings/Thread";
import { queryKeys, threadWriteKeys } from "../../lib/data/keys";
import { useRead, useWrite } from "../../lib/data/query";
import { directory, threadAction, toIpcError, type IpcError } from "../../lib/ipc";
import { ChoiceList } from "../common/ChoiceList";
import { DialogFooter } from "../common/DialogFooter";
import { Modal } from "../common/Modal";
import { ColleagueOption } from "../operations/HandOffDialog";
import { ACTION_REFUSED } from "./labels";

interface Props {
  threadId: string;
  /** Who the thread is about ("Lopez, Mia"). */
  about: string;
  /** The signed-in user (claiming is c): not offered. */
  me: string;
  onClose: () => void;
  onAssigned: (thread: Thread, person: Practitioner) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/** Give the thread to a colleague from the directory (on duty first). */
export function AssignDialog({ threadId, about, me, onClose, onAssigned, onError }: Props) {
  const query = useRead(queryKeys.directory(), directory, { onError });
  const assign = useWrite(
    (to: string) => threadAction(threadId, { action: "assign", to }),
    () => threadWriteKeys(threadId),
  );
  const [active, setActive] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);

  const entries = query.data;
  const people = useMemo(
    () =>
      (entries ?? [])
        .map((e) => e.practitioner)
        .filter((p) => p.id !== me)
        .sort((a, b) => Number(b.on_duty) - Number(a.on_duty) || a.display_name.localeCompare(b.display_name)),
    [entries, me],
  );
  const person = people[active];

  const loaded = entries !== undefined;
  useEffect(() => {
    if (loaded && people.length > 0) listRef.current?.focus();
    // Once, when the directory has come.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);

  async function submit() {
    if (!person || busy) return;
    setBusy(true);
    setError(null);
    try {
      const thread = await assign.mutateAsync(person.id);
      onAssigned(thread, person);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`${ACTION_REFUSED.assign}: ${failure.message}`);
      onError?.(failure);
      setBusy(false);
    }
  }

  return (
    <Modal titleId="assign-title" title="Assign" className="thread-dialog" testId="assign-dialog" onClose={onClose}>
      <p className="muted">The thread with {about}</p>
      {query.isLoading && <p className="muted">Reading the directory…</p>}
      {query.error && (
        <p className="form-error" role="alert">
          The directory could not be read: {query.error.message}
        </p>
      )}
      {loaded && people.length === 0 && <p className="muted">Nobody else is in the directory.</p>}
      {people.length > 0 && (
        <>
          <p id="assign-list-label" className="field-label">
            Colleague
          </p>
          <ChoiceList
            items={people}
            active={active}
            onActive={(index) => {
              setActive(index);
              setError(null);
            }}
            onChoose={() => void submit()}
            itemKey={(p) => p.id}
            labelledBy="assign-list-label"
            idPrefix="assign-option"
            listRef={listRef}
            renderItem={(p) => <ColleagueOption person={p} />}
          />
        </>
      )}
      <DialogFooter
        error={error}
        label={busy ? "Assigning…" : person ? `Assign to ${person.display_name}` : "Assign"}
        disabled={!person || busy}
        onConfirm={() => void submit()}
        onCancel={onClose}
      />
      <p className="key-hints dialog-hints" aria-hidden="true">
        <kbd>↑</kbd>
        <kbd>↓</kbd> or <kbd>1</kbd>–<kbd>9</kbd> choose · <kbd>Enter</kbd> assign · <kbd>Esc</kbd> close
      </p>
    </Modal>
  );
}

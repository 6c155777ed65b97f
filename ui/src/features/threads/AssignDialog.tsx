import { useEffect, useRef, useState } from "react";
import type { Practitioner } from "../../bindings/Practitioner";
import type { Thread } from "../../bindings/Thread";
import { directory, threadAction, toIpcError, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
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

type Load = { kind: "loading" } | { kind: "failed"; error: IpcError } | { kind: "loaded"; people: Practitioner[] };

/** Give the thread to a colleague from the directory (on duty first). */
export function AssignDialog({ threadId, about, me, onClose, onAssigned, onError }: Props) {
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  const [active, setActive] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);

  const onErrorRef = useLatest(onError);
  useEffect(() => {
    let current = true;
    directory().then(
      (entries) => {
        if (!current) return;
        const people = entries
          .map((e) => e.practitioner)
          .filter((p) => p.id !== me)
          .sort((a, b) => Number(b.on_duty) - Number(a.on_duty) || a.display_name.localeCompare(b.display_name));
        setLoad({ kind: "loaded", people });
      },
      (caught: unknown) => {
        if (!current) return;
        const failure = toIpcError(caught);
        setLoad({ kind: "failed", error: failure });
        onErrorRef.current?.(failure);
      },
    );
    return () => {
      current = false;
    };
    // One read per opening (`me` does not change while the dialog is open).
  }, [me, onErrorRef]);

  useEffect(() => {
    if (load.kind === "loaded" && load.people.length > 0) listRef.current?.focus();
  }, [load]);

  const people = load.kind === "loaded" ? load.people : [];
  const person = people[active];

  async function submit() {
    if (!person || busy) return;
    setBusy(true);
    setError(null);
    try {
      const thread = await threadAction(threadId, { action: "assign", to: person.id });
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
      {load.kind === "loading" && <p className="muted">Reading the directory…</p>}
      {load.kind === "failed" && (
        <p className="form-error" role="alert">
          The directory could not be read: {load.error.message}
        </p>
      )}
      {load.kind === "loaded" && people.length === 0 && <p className="muted">Nobody else is in the directory.</p>}
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

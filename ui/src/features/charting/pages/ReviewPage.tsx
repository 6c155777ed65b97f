import { useEffect, useRef, useState, type MutableRefObject, type ReactNode } from "react";
import { formatMoment } from "../../../lib/format";
import { heldAddendum, holdAddendum } from "../../../lib/heldWork";
import { addAddendum, cosignEncounter, signEncounter, toIpcError } from "../../../lib/ipc";
import { blockerPage, isSigned } from "../model";
import { PageHeading, type PageProps } from "./common";

interface Props extends PageProps {
  /** Opened from the history: nothing can be changed (a signed note still takes addenda). */
  readOnly: boolean;
  /** Names for practitioner ids (the signed-in clinician, the author). */
  nameOf: (practitionerId: string) => string;
  /** Ctrl+Enter on this page: sign, or save the addendum once signed. */
  actionRef: MutableRefObject<(() => void) | null>;
  /** Ctrl+Shift+Enter on this page: co-sign, when offered. */
  cosignRef: MutableRefObject<(() => void) | null>;
  conflicts: ReactNode;
  /** The signed-in practitioner's id. */
  me: string;
  /** Offer the Co-sign button: a licensed physician who did not sign this note (the core checks again). */
  canCosign: boolean;
  /**
   * When this clinician co-signed the note here, while the co-signature waits to sync (the core
   * shows the note as co-signed only once the server has it); null otherwise.
   */
  cosignWaiting: string | null;
  /** The core took the co-signature (at this moment). */
  onCosigned: (at: string) => void;
}

export function ReviewPage({
  api,
  goTo,
  readOnly,
  nameOf,
  actionRef,
  cosignRef,
  conflicts,
  me,
  canCosign,
  cosignWaiting,
  onCosigned,
  onError,
}: Props) {
  const { view } = api;
  const encounter = view.encounter;
  const signed = isSigned(encounter.status);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Held outside React until added: the lock unmounts this page, and what was typed comes back.
  const [addendum, setAddendumState] = useState(() => heldAddendum(encounter.id));
  const setAddendum = (text: string) => {
    holdAddendum(encounter.id, text);
    setAddendumState(text);
  };
  const [justSigned, setJustSigned] = useState(false);
  const [cosigning, setCosigning] = useState(false);
  const addendumRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (justSigned) addendumRef.current?.focus();
  }, [justSigned]);

  async function sign() {
    if (busy || signed || readOnly) return;
    setBusy(true);
    setError(null);
    try {
      // Sign what the clinician sees: every autosave answers first.
      await api.flush();
      api.accept(await signEncounter(encounter.id));
      setJustSigned(true);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not signed: ${failure.message}`);
      onError?.(failure);
    } finally {
      setBusy(false);
    }
  }

  // A physician may open someone else's note from the history (read-only): co-signing, like
  // addenda, is still allowed there.
  async function cosign() {
    if (busy || !canCosign) return;
    setBusy(true);
    setCosigning(true);
    setError(null);
    try {
      api.accept(await cosignEncounter(encounter.id));
      onCosigned(new Date().toISOString());
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not co-signed: ${failure.message}`);
      onError?.(failure);
    } finally {
      setBusy(false);
      setCosigning(false);
    }
  }

  async function saveAddendum() {
    const text = addendum.trim();
    if (busy || !signed || !text) return;
    setBusy(true);
    setError(null);
    try {
      api.accept(await addAddendum(encounter.id, text));
      setAddendum("");
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Addendum not saved: ${failure.message}`);
      onError?.(failure);
    } finally {
      setBusy(false);
    }
  }

  const action = signed ? saveAddendum : readOnly ? null : sign;
  useEffect(() => {
    actionRef.current = action ? () => void action() : null;
    cosignRef.current = canCosign ? () => void cosign() : null;
    return () => {
      actionRef.current = null;
      cosignRef.current = null;
    };
  });

  const billing = view.billing;
  const signedAt = encounter.signed_at ? formatMoment(encounter.signed_at) : null;
  const cosigner = (id: string) => (id === me ? nameOf(id) : "a physician");
  const cosignedAt = encounter.cosigned_at
    ? formatMoment(encounter.cosigned_at)
    : cosignWaiting
      ? formatMoment(cosignWaiting)
      : null;
  const cosigned = encounter.cosigned_by !== null || cosignWaiting !== null;
  // What waits after co-signing someone else's note is the co-signature, not their signature.
  const signatureWaiting = view.unsynced > 0 && !(cosignWaiting !== null && encounter.signed_by !== me);

  return (
    <>
      <PageHeading focus={!justSigned}>{signed ? "Signed note" : "Review & sign"}</PageHeading>

      {conflicts}

      {signed ? (
        <p className="signed-line" data-testid="signed-line" role="status">
          Signed by {encounter.signed_by ? nameOf(encounter.signed_by) : "the author"}
          {signedAt ? ` at ${signedAt}` : ""}
          {encounter.content_hash && (
            <>
              {" · "}
              <span className="hash" title={encounter.content_hash}>
                {encounter.content_hash.slice(0, 12)}
              </span>
            </>
          )}
          {signatureWaiting && <span className="waiting"> · waiting to sync</span>}
        </p>
      ) : readOnly ? (
        <p className="page-lede">Draft, not signed yet.</p>
      ) : view.blockers.length > 0 ? (
        <section className="blockers" aria-labelledby="blockers-heading">
          <h3 id="blockers-heading">Before signing</h3>
          <ul>
            {view.blockers.map((issue, i) => {
              const page = blockerPage(issue.blocker);
              return (
                <li key={`${issue.blocker.kind}-${i}`}>
                  {page ? (
                    <button type="button" className="link-button" onClick={() => goTo(page)}>
                      {issue.message}
                    </button>
                  ) : (
                    issue.message
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      ) : (
        <p className="ready-line">Ready to sign.</p>
      )}

      {signed && encounter.cosign_required && (
        <p
          className={cosigned ? "cosign-line is-cosigned" : "cosign-line"}
          data-testid="cosign-line"
          role="status"
        >
          {cosigned ? (
            <>
              Co-signed by {cosigner(encounter.cosigned_by ?? me)}
              {cosignedAt ? ` at ${cosignedAt}` : ""}
              {cosignWaiting && <span className="waiting"> · waiting to sync</span>}
            </>
          ) : (
            `Co-signature required: waiting for a physician licensed in ${encounter.state_of_care}`
          )}
        </p>
      )}

      <pre className="note" data-testid="note" aria-label="Note">
        {view.note}
      </pre>

      {signed && encounter.addenda.length > 0 && (
        <section className="addenda" aria-labelledby="addenda-heading">
          <h3 id="addenda-heading" className="section-label">
            Addenda
          </h3>
          <ol>
            {encounter.addenda.map((a) => (
              <li key={a.id} className="addendum">
                <p className="addendum-meta">
                  {nameOf(a.author_id)} · {formatMoment(a.signed_at) ?? a.signed_at}
                </p>
                <p className="addendum-text">{a.text}</p>
              </li>
            ))}
          </ol>
        </section>
      )}

      {!signed && (
        <section className="billing" aria-labelledby="billing-heading">
          <h3 id="billing-heading" className="section-label">
            Billing suggestion
          </h3>
          {billing.code ? (
            <p className="billing-code">
              <code className="code">{billing.code}</code> {billing.description}
            </p>
          ) : (
            <p className="muted">No matching service on the menu yet.</p>
          )}
          {billing.rationale.length > 0 && (
            <ul className="billing-rationale">
              {billing.rationale.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </section>
      )}

      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}

      {!signed && !readOnly && (
        <div className="form-actions sign-actions">
          <button
            type="button"
            className="button button-primary button-large"
            data-testid="sign"
            aria-keyshortcuts="Control+Enter"
            disabled={busy}
            onClick={() => void sign()}
          >
            {busy ? "Signing…" : "Sign"}
          </button>
          <span className="key-hint">
            <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
          </span>
        </div>
      )}

      {signed && canCosign && (
        <div className="form-actions sign-actions">
          <button
            type="button"
            className="button button-primary button-large"
            data-testid="cosign"
            aria-keyshortcuts="Control+Shift+Enter"
            disabled={busy}
            onClick={() => void cosign()}
          >
            {cosigning ? "Co-signing…" : "Co-sign"}
          </button>
          <span className="key-hint">
            <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>Enter</kbd>
          </span>
        </div>
      )}

      {signed && (
        <form
          className="addendum-form"
          onSubmit={(e) => {
            e.preventDefault();
            void saveAddendum();
          }}
        >
          <div className="field">
            <label htmlFor="addendum">Addendum</label>
            <textarea
              id="addendum"
              ref={addendumRef}
              className="text-area"
              rows={3}
              data-testid="addendum"
              value={addendum}
              readOnly={busy}
              onChange={(e) => setAddendum(e.target.value)}
            />
          </div>
          <div className="form-actions">
            <button type="submit" className="button button-quiet" disabled={busy || !addendum.trim()}>
              {busy && !cosigning ? "Saving…" : "Add addendum"}
            </button>
            <span className="key-hint">
              <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
            </span>
          </div>
        </form>
      )}
    </>
  );
}

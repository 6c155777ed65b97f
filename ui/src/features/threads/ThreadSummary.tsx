import type { RefObject } from "react";
import type { Summary } from "../../bindings/Summary";
import { formatMomentDate, plural } from "../../lib/format";
import type { IpcError } from "../../lib/ipc";
import { SUMMARY_SECTIONS } from "./labels";

export type SummaryState =
  | { kind: "waiting" }
  | { kind: "loaded"; summary: Summary }
  | { kind: "failed"; error: IpcError };

/**
 * Citation numbers: each message the summary cites, numbered in the order the panel first
 * cites it ([1], [2], …), so a message cited twice has one number.
 */
export function citationNumbers(summary: Summary): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const { kind } of SUMMARY_SECTIONS) {
    for (const sentence of summary.sentences) {
      if (sentence.kind !== kind) continue;
      for (const id of sentence.sources) if (!numbers.has(id)) numbers.set(id, numbers.size + 1);
    }
  }
  return numbers;
}

interface Props {
  state: SummaryState;
  /** The patient's last signed visit: the summary covers the messages after it. */
  since: string | null;
  /** A citation followed: bring its message into view. */
  onCite: (messageId: string, number: number) => void;
  headingRef: RefObject<HTMLHeadingElement | null>;
}

/** What the thread is about, sentence by sentence, each citing the messages it came from. */
export function ThreadSummary({ state, since, onCite, headingRef }: Props) {
  const numbers = state.kind === "loaded" ? citationNumbers(state.summary) : null;
  const sinceDate = since ? formatMomentDate(since) : null;
  return (
    <section className="thread-summary" data-testid="thread-summary" aria-labelledby="thread-summary-title">
      <h2 id="thread-summary-title" className="section-label" ref={headingRef} tabIndex={-1}>
        Summary
      </h2>
      {state.kind === "waiting" && <p className="muted">Summarising the thread…</p>}
      {state.kind === "failed" && <p className="muted">The summary could not be made: {state.error.message}</p>}
      {state.kind === "loaded" && (
        <>
          <p className="thread-summary-scope">
            {plural(state.summary.messages, "message", "messages")}{" "}
            {sinceDate ? `since the visit of ${sinceDate}` : "in the thread"}
          </p>
          {state.summary.sentences.length === 0 ? (
            <p className="none">Nothing to summarise yet.</p>
          ) : (
            SUMMARY_SECTIONS.map(({ kind, title }) => {
              const sentences = state.summary.sentences.filter((s) => s.kind === kind);
              if (sentences.length === 0) return null;
              return (
                <div key={kind} className="summary-section" data-kind={kind}>
                  <h3 className="summary-title">{title}</h3>
                  <ul className="summary-list">
                    {sentences.map((sentence, i) => (
                      <li
                        key={`${kind}-${i}`}
                        className={sentence.new ? "summary-sentence is-new" : "summary-sentence"}
                        data-testid="summary-sentence"
                        data-new={sentence.new ? "true" : undefined}
                      >
                        {sentence.new && <span className="new-badge">New</span>}
                        <span className="summary-text">{sentence.text}</span>
                        <span className="citations">
                          {sentence.sources.map((id) => {
                            const n = numbers?.get(id) ?? 0;
                            return (
                              <button
                                key={id}
                                type="button"
                                className="citation"
                                data-testid="citation"
                                data-message={id}
                                aria-label={`Show cited message ${n}`}
                                onClick={() => onCite(id, n)}
                              >
                                [{n}]
                              </button>
                            );
                          })}
                        </span>
                      </li>
                    ))}
                  </ul>
                </div>
              );
            })
          )}
        </>
      )}
    </section>
  );
}

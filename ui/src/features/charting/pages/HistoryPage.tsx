import { useEffect, useRef, useState } from "react";
import type { HpiAnswer } from "../../../bindings/HpiAnswer";
import { DraftText, type TextRef } from "../DraftText";
import { KEYMAP, matches } from "../../../lib/keymap";
import { digitIndex, usePageKeys } from "../keys";
import { hpiRows, optionLetters, redFlags, type HpiRow } from "../model";
import { Kbd, PageHeading, SaveRefusal, type PageProps } from "./common";

/** Letters the page keeps for itself (t = the narrative). */
const RESERVED = "t";

export function HistoryPage({ api, catalog, goTo }: PageProps) {
  const { draft } = api;
  const chosen = draft.complaints.chosen;
  const rows = hpiRows(chosen, catalog ?? []);
  const [selected, setSelected] = useState(0);
  const narrativeRef: TextRef = useRef(null);
  const flags = redFlags(chosen, catalog ?? []);
  const several = chosen.length > 1;

  useEffect(() => {
    document.querySelector(`[data-row="${selected}"]`)?.scrollIntoView?.({ block: "nearest" });
  }, [selected]);

  function answerOf(row: HpiRow): HpiAnswer | undefined {
    return draft.history.answers.find((a) => a.complaint === row.complaint && a.prompt === row.prompt);
  }

  function choose(row: HpiRow, option: string) {
    const current = answerOf(row)?.chosen ?? [];
    let next: string[];
    if (row.multiple) {
      const set = current.includes(option) ? current.filter((o) => o !== option) : [...current, option];
      next = row.options.filter((o) => set.includes(o));
    } else {
      next = current.length === 1 && current[0] === option ? [] : [option];
    }
    const others = draft.history.answers.filter((a) => !(a.complaint === row.complaint && a.prompt === row.prompt));
    const answers = next.length
      ? [...others, { complaint: row.complaint, prompt: row.prompt, label: row.label, chosen: next }]
      : others;
    // Keep the answers in the order the prompts are shown.
    const order = (a: HpiAnswer) => {
      const i = rows.findIndex((r) => r.complaint === a.complaint && r.prompt === a.prompt);
      return i < 0 ? rows.length : i;
    };
    answers.sort((a, b) => order(a) - order(b));
    void api.update({ section: "history", ...draft.history, answers });
  }

  usePageKeys((event) => {
    const index = digitIndex(event);
    if (index !== null) {
      if (index >= rows.length) return false;
      setSelected(index);
      return true;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (rows.length === 0) return false;
      setSelected((s) => Math.max(0, Math.min(rows.length - 1, s + (event.key === "ArrowDown" ? 1 : -1))));
      return true;
    }
    if (matches(KEYMAP.history.shortcuts.narrative, event)) {
      narrativeRef.current?.focus();
      return true;
    }
    const row = rows[selected];
    if (!row) return false;
    const letter = optionLetters(row.options.length, RESERVED).indexOf(event.key);
    const option = row.options[letter];
    if (letter < 0 || option === undefined) return false;
    choose(row, option);
    return true;
  });

  return (
    <>
      <PageHeading lede="A digit picks a prompt, letters pick its answers.">History of present illness</PageHeading>

      {chosen.length === 0 ? (
        <p className="page-empty">
          No chief complaint yet.{" "}
          <button type="button" className="link-button" onClick={() => goTo("complaint")}>
            Choose one
          </button>{" "}
          to see its prompts. The narrative below is always available.
        </p>
      ) : (
        <div className="prompt-rows">
          {rows.map((row, index) => {
            const answer = answerOf(row);
            const letters = optionLetters(row.options.length, RESERVED);
            const isSelected = index === selected;
            const labelId = `hpi-${index}-label`;
            return (
              <div
                key={row.id}
                data-row={index}
                className={isSelected ? "prompt-row is-selected" : "prompt-row"}
                role="group"
                aria-labelledby={labelId}
                aria-current={isSelected ? "true" : undefined}
                data-testid={`hpi-${row.prompt}`}
              >
                <button
                  type="button"
                  className="prompt-label"
                  id={labelId}
                  onClick={() => setSelected(index)}
                  aria-label={`${several ? `${row.complaintLabel}: ` : ""}${row.label}${row.multiple ? " (several)" : ""}`}
                >
                  {index < 9 ? <Kbd>{index + 1}</Kbd> : <span className="option-key-blank" aria-hidden="true" />}
                  <span>
                    {several && <span className="prompt-complaint">{row.complaintLabel} · </span>}
                    {row.label}
                    {row.multiple && <span className="prompt-multiple"> (several)</span>}
                  </span>
                </button>
                <div className="options">
                  {row.options.map((option, i) => (
                    <button
                      key={option}
                      type="button"
                      className="option-button"
                      aria-pressed={answer?.chosen.includes(option) ?? false}
                      onClick={() => {
                        setSelected(index);
                        choose(row, option);
                      }}
                    >
                      {letters[i] && <Kbd>{letters[i]}</Kbd>}
                      {option}
                    </button>
                  ))}
                </div>
              </div>
            );
          })}
        </div>
      )}

      {flags.length > 0 && (
        <section className="red-flags" aria-labelledby="red-flags-heading">
          <h3 id="red-flags-heading">Escalate if…</h3>
          <ul>
            {flags.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        </section>
      )}

      <DraftText
        id="hpi-narrative"
        label="Narrative"
        keyHint="T"
        multiline
        rows={4}
        inputRef={narrativeRef}
        value={draft.history.narrative}
        onChange={(narrative) => void api.update({ section: "history", ...draft.history, narrative })}
      />

      <SaveRefusal api={api} section="history" />
    </>
  );
}

import { useEffect, useRef, useState } from "react";
import type { SystemEntry } from "../../../bindings/SystemEntry";
import type { SystemsSection } from "../../../bindings/SystemsSection";
import { DraftText, type TextRef } from "../DraftText";
import { KEYMAP, matches } from "../../../lib/keymap";
import { digitIndex, usePageKeys } from "../keys";
import { optionLetters, systemRows, type SystemRow } from "../model";
import { Kbd, PageHeading, SaveRefusal, type PageProps } from "./common";

/** Letters the page keeps for itself: n = all normal, t = the narrative. */
const RESERVED = "nt";

export function SystemsPage({ api, catalog, goTo }: PageProps) {
  const { draft } = api;
  const systems = draft.systems;
  const chosen = draft.complaints.chosen;
  const rows = systemRows(chosen, catalog ?? [], systems);
  const [selected, setSelected] = useState(0);
  const narrativeRef: TextRef = useRef(null);
  const rosCount = rows.filter((r) => r.list === "ros").length;

  useEffect(() => {
    document.querySelector(`[data-row="${selected}"]`)?.scrollIntoView?.({ block: "nearest" });
  }, [selected]);

  function entryOf(row: SystemRow): SystemEntry | undefined {
    return systems[row.list].find((e) => e.system === row.system);
  }

  /** The section with these rows set (null = undocumented), each list in row order. */
  function withEntries(changes: Array<[SystemRow, SystemEntry | null]>): SystemsSection {
    const next: SystemsSection = { ...systems, ros: [...systems.ros], exam: [...systems.exam] };
    for (const [row, entry] of changes) {
      const list = next[row.list].filter((e) => e.system !== row.system);
      if (entry) list.push(entry);
      next[row.list] = list;
    }
    for (const list of ["ros", "exam"] as const) {
      const order = (e: SystemEntry) => {
        const i = rows.findIndex((r) => r.list === list && r.system === e.system);
        return i < 0 ? rows.length : i;
      };
      next[list].sort((a, b) => order(a) - order(b));
    }
    return next;
  }

  function save(changes: Array<[SystemRow, SystemEntry | null]>) {
    void api.update({ section: "systems", ...withEntries(changes) });
  }

  function normalEntry(row: SystemRow, note: string): SystemEntry {
    return { system: row.system, label: row.label, status: "normal", normal_text: row.normal, findings: [], note };
  }

  function markNormal(row: SystemRow) {
    const entry = entryOf(row);
    if (entry?.status === "normal") return;
    save([[row, normalEntry(row, entry?.note ?? "")]]);
  }

  function toggleFinding(row: SystemRow, finding: string) {
    const entry = entryOf(row);
    const current = entry?.status === "abnormal" ? entry.findings : [];
    const set = current.includes(finding) ? current.filter((f) => f !== finding) : [...current, finding];
    const findings = row.abnormal.filter((f) => set.includes(f));
    const note = entry?.note ?? "";
    // Abnormal needs a finding or a note; with neither the system is undocumented again.
    if (findings.length === 0 && note.trim() === "") {
      save([[row, null]]);
    } else {
      save([[row, { system: row.system, label: row.label, status: "abnormal", normal_text: row.normal, findings, note }]]);
    }
  }

  function setNote(row: SystemRow, note: string) {
    const entry = entryOf(row);
    if (entry) {
      const empty = entry.status === "abnormal" && entry.findings.length === 0 && note.trim() === "";
      save([[row, empty ? null : { ...entry, note }]]);
    } else if (note.trim() !== "") {
      // A note on an undocumented system says what is abnormal about it.
      save([[row, { system: row.system, label: row.label, status: "abnormal", normal_text: row.normal, findings: [], note }]]);
    }
  }

  function allNormal() {
    const changes: Array<[SystemRow, SystemEntry]> = rows.filter((r) => !entryOf(r)).map((r) => [r, normalEntry(r, "")]);
    if (changes.length > 0) save(changes);
  }

  usePageKeys((event) => {
    if (matches(KEYMAP.systems.shortcuts.allNormal, event)) {
      allNormal();
      return true;
    }
    if (matches(KEYMAP.systems.shortcuts.narrative, event)) {
      narrativeRef.current?.focus();
      return true;
    }
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
    const row = rows[selected];
    if (!row) return false;
    if (matches(KEYMAP.systems.shortcuts.clear, event)) {
      if (entryOf(row)) save([[row, null]]);
      return true;
    }
    const letter = optionLetters(row.abnormal.length, RESERVED).indexOf(event.key);
    const finding = row.abnormal[letter];
    if (letter < 0 || finding === undefined) return false;
    toggleFinding(row, finding);
    return true;
  });

  function renderRow(row: SystemRow, index: number) {
    const entry = entryOf(row);
    const letters = optionLetters(row.abnormal.length, RESERVED);
    const isSelected = index === selected;
    const labelId = `system-${index}-label`;
    const status = entry?.status ?? null;
    return (
      <div
        key={row.id}
        data-row={index}
        data-testid={`system-${row.id}`}
        data-status={status ?? "undocumented"}
        className={isSelected ? "system-row is-selected" : "system-row"}
        role="group"
        aria-labelledby={labelId}
        aria-current={isSelected ? "true" : undefined}
      >
        <button type="button" className="prompt-label" id={labelId} onClick={() => setSelected(index)}>
          {index < 9 ? <Kbd>{index + 1}</Kbd> : <span className="option-key-blank" aria-hidden="true" />}
          <span>{row.label}</span>
          <span className={`system-status system-status-${status ?? "none"}`}>
            {status === "normal" ? "Normal" : status === "abnormal" ? "Abnormal" : "Not documented"}
          </span>
        </button>
        <div className="options">
          <button
            type="button"
            className="option-button option-normal"
            aria-pressed={status === "normal"}
            title={row.normal}
            onClick={() => {
              setSelected(index);
              markNormal(row);
            }}
          >
            Normal
          </button>
          {row.abnormal.map((finding, i) => (
            <button
              key={finding}
              type="button"
              className="option-button option-abnormal"
              aria-pressed={status === "abnormal" && (entry?.findings.includes(finding) ?? false)}
              onClick={() => {
                setSelected(index);
                toggleFinding(row, finding);
              }}
            >
              {letters[i] && <Kbd>{letters[i]}</Kbd>}
              {finding}
            </button>
          ))}
          {entry && (
            <button
              type="button"
              className="option-button option-clear"
              aria-label={`Clear ${row.label}`}
              onClick={() => save([[row, null]])}
            >
              Clear
            </button>
          )}
          <DraftText
            id={`system-${row.id}-note`}
            label={`${row.label} note`}
            hideLabel
            placeholder="Note"
            className="system-note"
            value={entry?.note ?? ""}
            onChange={(note) => setNote(row, note)}
          />
        </div>
        {status === "normal" && <p className="system-normal">{row.normal}</p>}
      </div>
    );
  }

  return (
    <>
      <PageHeading lede="N marks every system not yet documented normal. A digit picks a system, letters its findings.">
        Review of systems &amp; exam
      </PageHeading>

      {chosen.length === 0 && (
        <p className="page-empty">
          No chief complaint yet.{" "}
          <button type="button" className="link-button" onClick={() => goTo("complaint")}>
            Choose one
          </button>{" "}
          to see its systems. The narrative below is always available.
        </p>
      )}

      {rows.length > 0 && (
        <div className="form-actions">
          <button type="button" className="button button-quiet" aria-keyshortcuts="n" onClick={allNormal}>
            <Kbd>N</Kbd>&nbsp;All other systems normal
          </button>
        </div>
      )}

      {rosCount > 0 && (
        <section aria-labelledby="ros-heading" className="system-list">
          <h3 id="ros-heading" className="section-label">
            Review of systems
          </h3>
          {rows.slice(0, rosCount).map((row, i) => renderRow(row, i))}
        </section>
      )}
      {rows.length > rosCount && (
        <section aria-labelledby="exam-heading" className="system-list">
          <h3 id="exam-heading" className="section-label">
            Exam
          </h3>
          {rows.slice(rosCount).map((row, i) => renderRow(row, rosCount + i))}
        </section>
      )}

      <DraftText
        id="systems-narrative"
        label="Narrative"
        keyHint="T"
        multiline
        rows={3}
        inputRef={narrativeRef}
        value={systems.narrative}
        onChange={(narrative) => void api.update({ section: "systems", ...systems, narrative })}
      />

      <SaveRefusal api={api} section="systems" />
    </>
  );
}

import { useState } from "react";
import type { Section } from "../../bindings/Section";
import type { SectionConflict } from "../../bindings/SectionConflict";
import { toIpcError, type IpcError } from "../../lib/ipc";
import { Modal } from "../common/Modal";
import { MODE_OPTIONS, SECTION_TITLES, queueLabel, taskKindLabel } from "./model";

interface Part {
  label: string;
  /** Text is shown as written; a list item by item. */
  value: string | string[];
}

function num(v: number | null, unit: string): string | null {
  return v === null ? null : `${v} ${unit}`.trim();
}

/** A section in clinician words, for comparing two versions side by side. */
export function describeSection(section: Section): Part[] {
  switch (section.section) {
    case "context":
      return [
        { label: "Visit mode", value: MODE_OPTIONS.find((o) => o.value === section.mode)?.label ?? section.mode },
        { label: "State of care", value: section.state_of_care },
      ];
    case "complaints":
      return [{ label: "Complaints", value: section.chosen.map((c) => c.label) }];
    case "history":
      return [
        { label: "Answers", value: section.answers.map((a) => `${a.label}: ${a.chosen.join(", ")}`) },
        { label: "Narrative", value: section.narrative },
      ];
    case "systems": {
      const words = (e: Section & { section: "systems" }, list: "ros" | "exam") =>
        e[list].map(
          (s) =>
            `${s.label}: ${s.status === "normal" ? s.normal_text : s.findings.join(", ")}${s.note.trim() ? ` (${s.note.trim()})` : ""}`,
        );
      return [
        { label: "Review of systems", value: words(section, "ros") },
        { label: "Exam", value: words(section, "exam") },
        { label: "Narrative", value: section.narrative },
      ];
    }
    case "vitals": {
      const items = [
        section.temperature && `Temperature ${section.temperature.value} °${section.temperature.unit}`,
        section.heart_rate !== null && `Heart rate ${num(section.heart_rate, "/min")}`,
        section.respiratory_rate !== null && `Respiratory rate ${num(section.respiratory_rate, "/min")}`,
        section.systolic !== null && `Systolic ${num(section.systolic, "mmHg")}`,
        section.diastolic !== null && `Diastolic ${num(section.diastolic, "mmHg")}`,
        section.spo2 !== null && `SpO₂ ${num(section.spo2, "%")}`,
        section.weight && `Weight ${section.weight.value} ${section.weight.unit}`,
        section.height && `Height ${section.height.value} ${section.height.unit}`,
        section.pain !== null && `Pain ${section.pain}/10`,
        section.reported && "Reported by patient or parent",
      ].filter((x): x is string => typeof x === "string");
      return [{ label: "Vitals", value: items }];
    }
    case "assessment":
      return [
        { label: "Diagnoses", value: section.diagnoses.map((d) => `${d.code} ${d.description}`) },
        { label: "Narrative", value: section.narrative },
      ];
    case "plan":
      return [
        { label: "Labs", value: section.labs.map((l) => l.name) },
        { label: "Medications", value: section.medications.map((m) => (m.sig ? `${m.name} — ${m.sig}` : m.name)) },
        { label: "Instructions", value: section.instructions },
        { label: "Follow-up", value: section.follow_up },
        {
          label: "Tasks",
          value: section.tasks.map((t) => `${queueLabel(t.queue)} · ${taskKindLabel(t.kind)}: ${t.description}`),
        },
      ];
  }
}

function PartValue({ value }: { value: Part["value"] }) {
  if (typeof value === "string") {
    return value.trim() ? <p className="conflict-text">{value}</p> : <p className="none">Empty</p>;
  }
  return value.length ? (
    <ul className="conflict-items">
      {value.map((v, i) => (
        <li key={`${v}-${i}`}>{v}</li>
      ))}
    </ul>
  ) : (
    <p className="none">None</p>
  );
}

interface BannerProps {
  conflicts: SectionConflict[];
  /** Sections whose next save settles the conflict (Edit merge). */
  merging: Partial<Record<string, number>>;
  onOpen: (conflict: SectionConflict) => void;
}

/** A calm note that a section changed on another device, with the way to settle it. */
export function ConflictBanner({ conflicts, merging, onOpen }: BannerProps) {
  if (conflicts.length === 0) return null;
  return (
    <section className="conflict-banner" aria-label="Changed on another device" data-testid="conflict-banner">
      <ul>
        {conflicts.map((c) => (
          <li key={c.client_seq}>
            <span>
              <strong>{SECTION_TITLES[c.section]}</strong> was changed on another device.{" "}
              {merging[c.section] !== undefined
                ? "You are editing a merge: your next change here saves it for both devices."
                : "Choose which version to keep."}
            </span>
            <button type="button" className="button button-quiet button-small" onClick={() => onOpen(c)}>
              Compare versions
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface DialogProps {
  conflict: SectionConflict;
  onClose: () => void;
  onKeepTheirs: () => Promise<void>;
  onKeepMine: () => Promise<void>;
  onEditMerge: () => void;
  onError?: ((error: IpcError) => void) | undefined;
}

/** Theirs and ours side by side, with the three ways out. */
export function ConflictDialog({ conflict, onClose, onKeepTheirs, onKeepMine, onEditMerge, onError }: DialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const theirs = describeSection(conflict.theirs);
  const ours = describeSection(conflict.ours);

  async function run(action: () => Promise<void>) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
      onClose();
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not saved: ${failure.message}`);
      onError?.(failure);
      setBusy(false);
    }
  }

  return (
    <Modal
      titleId="conflict-title"
      title={<>{SECTION_TITLES[conflict.section]}: two versions</>}
      className="conflict-dialog"
      testId="conflict-dialog"
      onClose={onClose}
      restoreFocus={false}
    >
      <p className="muted">{conflict.message}</p>
      <div className="conflict-columns">
        {(
          [
            ["On the other device (theirs)", theirs],
            ["On this device (mine)", ours],
          ] as const
        ).map(([title, parts]) => (
          <section key={title} className="conflict-column" aria-label={title}>
            <h3>{title}</h3>
            {parts.map((p) => (
              <div key={p.label} className="conflict-part">
                <h4>{p.label}</h4>
                <PartValue value={p.value} />
              </div>
            ))}
          </section>
        ))}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button button-quiet" disabled={busy} onClick={() => void run(onKeepTheirs)}>
          Keep theirs
        </button>
        <button type="button" className="button button-quiet" disabled={busy} onClick={() => void run(onKeepMine)}>
          Keep mine
        </button>
        <button
          type="button"
          className="button button-quiet"
          disabled={busy}
          onClick={() => {
            onEditMerge();
            onClose();
          }}
        >
          Edit merge
        </button>
        <button type="button" className="button button-quiet" disabled={busy} onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}

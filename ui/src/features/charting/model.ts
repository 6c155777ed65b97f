import type { ComplaintCatalogEntry } from "../../bindings/ComplaintCatalogEntry";
import type { Draft } from "../../bindings/Draft";
import type { Encounter } from "../../bindings/Encounter";
import type { EncounterMode } from "../../bindings/EncounterMode";
import type { EncounterStatus } from "../../bindings/EncounterStatus";
import type { EncounterView } from "../../bindings/EncounterView";
import type { License } from "../../bindings/License";
import type { Page } from "../../bindings/Page";
import type { Practitioner } from "../../bindings/Practitioner";
import type { Role } from "../../bindings/Role";
import type { Section } from "../../bindings/Section";
import type { SectionKey } from "../../bindings/SectionKey";
import type { SignBlocker } from "../../bindings/SignBlocker";
import type { SystemEntry } from "../../bindings/SystemEntry";
import type { TaskKind } from "../../bindings/TaskKind";
import { parseIsoDate } from "../../lib/format";
import type { SegmentOption } from "../common/Segmented";

/** The pages of the charting workflow, in order (the core's Page::ALL). */
export const PAGES: readonly Page[] = [
  "context",
  "complaint",
  "history",
  "systems",
  "vitals",
  "assessment",
  "plan",
  "review",
];

/** Titles used until the first EncounterView says otherwise (the core owns them). */
export const PAGE_TITLES: Record<Page, string> = {
  context: "Context",
  complaint: "Chief complaint",
  history: "History",
  systems: "Review of systems & exam",
  vitals: "Vitals",
  assessment: "Assessment",
  plan: "Plan",
  review: "Review & sign",
};

export const SECTION_PAGE: Record<SectionKey, Page> = {
  context: "context",
  complaints: "complaint",
  history: "history",
  systems: "systems",
  vitals: "vitals",
  assessment: "assessment",
  plan: "plan",
};

export const SECTION_TITLES: Record<SectionKey, string> = {
  context: "Context",
  complaints: "Chief complaint",
  history: "History",
  systems: "Review of systems & exam",
  vitals: "Vitals",
  assessment: "Assessment",
  plan: "Plan",
};

export function pageIndex(page: Page): number {
  return PAGES.indexOf(page);
}

export function isSigned(status: EncounterStatus): boolean {
  return status !== "draft";
}

// ---------- Co-signature ----------

/** The date the core checks licenses against ("YYYY-MM-DD"; the core uses the UTC date). */
export function licenseToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The practitioner's license for `state` that has not expired by `today`, if any. */
export function activeLicense(practitioner: Practitioner, state: string, today: string = licenseToday()): License | null {
  return practitioner.licenses.find((l) => l.state === state && today <= l.expires_on) ?? null;
}

/** A signed note that still waits for a physician's co-signature. */
export function awaitsCosign(encounter: Encounter): boolean {
  return isSigned(encounter.status) && encounter.cosign_required && !encounter.cosigned_by;
}

/**
 * Whether to offer this practitioner the Co-sign button: a physician with an unexpired license
 * in the state of care who did not sign the note. The core checks again and has the last word.
 */
export function mayCosign(encounter: Encounter, practitioner: Practitioner, today: string = licenseToday()): boolean {
  return (
    awaitsCosign(encounter) &&
    practitioner.roles.includes("physician") &&
    (encounter.signed_by ?? encounter.author_id) !== practitioner.id &&
    activeLicense(practitioner, encounter.state_of_care, today) !== null
  );
}

/** The page a sign blocker asks the clinician to visit, if any. */
export function blockerPage(blocker: SignBlocker): Page | null {
  switch (blocker.kind) {
    case "missing":
      return blocker.page;
    case "conflict":
      return SECTION_PAGE[blocker.section];
    case "no_license":
      return "context";
    default:
      return null;
  }
}

// ---------- Sections <-> draft ----------

/** The section of a draft, tagged the way save_section takes it. */
export function sectionOf(draft: Draft, key: SectionKey): Section {
  switch (key) {
    case "context":
      return { section: "context", ...draft.context };
    case "complaints":
      return { section: "complaints", ...draft.complaints };
    case "history":
      return { section: "history", ...draft.history };
    case "systems":
      return { section: "systems", ...draft.systems };
    case "vitals":
      return { section: "vitals", ...draft.vitals };
    case "assessment":
      return { section: "assessment", ...draft.assessment };
    case "plan":
      return { section: "plan", ...draft.plan };
  }
}

/** A draft with one section replaced. */
export function withSection(draft: Draft, section: Section): Draft {
  switch (section.section) {
    case "context": {
      const { section: _, ...context } = section;
      return { ...draft, context };
    }
    case "complaints": {
      const { section: _, ...complaints } = section;
      return { ...draft, complaints };
    }
    case "history": {
      const { section: _, ...history } = section;
      return { ...draft, history };
    }
    case "systems": {
      const { section: _, ...systems } = section;
      return { ...draft, systems };
    }
    case "vitals": {
      const { section: _, ...vitals } = section;
      return { ...draft, vitals };
    }
    case "assessment": {
      const { section: _, ...assessment } = section;
      return { ...draft, assessment };
    }
    case "plan": {
      const { section: _, ...plan } = section;
      return { ...draft, plan };
    }
  }
}

/** An empty draft, for notes charted before structured charting (they have no sections). */
export function emptyDraft(view: EncounterView): Draft {
  const e = view.encounter;
  return {
    context: { mode: e.mode, state_of_care: e.state_of_care, service_line: e.service_line },
    complaints: { chosen: [] },
    history: { answers: [], narrative: "" },
    systems: { ros: [], exam: [], narrative: "" },
    vitals: {
      temperature: null,
      heart_rate: null,
      respiratory_rate: null,
      systolic: null,
      diastolic: null,
      spo2: null,
      weight: null,
      height: null,
      pain: null,
      reported: false,
    },
    assessment: { diagnoses: [], narrative: "" },
    plan: { labs: [], medications: [], instructions: "", follow_up: "", tasks: [] },
  };
}

// ---------- Words ----------

export const MODE_OPTIONS: readonly SegmentOption<EncounterMode>[] = [
  { value: "in_person", label: "In person" },
  { value: "video", label: "Video" },
  { value: "phone", label: "Phone" },
  { value: "async", label: "Async" },
];

export function modeLabel(mode: EncounterMode): string {
  return MODE_OPTIONS.find((o) => o.value === mode)?.label ?? mode;
}

export const SERVICE_LINES: readonly SegmentOption<string>[] = [
  { value: "adult_primary", label: "Adult primary care" },
  { value: "pediatric_sms", label: "Pediatric (SMS)" },
];

export function serviceLineLabel(line: string): string {
  return SERVICE_LINES.find((o) => o.value === line)?.label ?? line.replace(/_/g, " ");
}

/** Patients under 18 are seen in the pediatric line. */
export function defaultServiceLine(birthDate: string, today: Date = new Date()): string {
  const birth = parseIsoDate(birthDate);
  if (!birth) return "adult_primary";
  let years = today.getFullYear() - birth.year;
  if (today.getMonth() + 1 < birth.month || (today.getMonth() + 1 === birth.month && today.getDate() < birth.day)) {
    years -= 1;
  }
  return years < 18 ? "pediatric_sms" : "adult_primary";
}

export function defaultMode(serviceLine: string): EncounterMode {
  return serviceLine === "pediatric_sms" ? "async" : "video";
}

export const STATUS_LABELS: Record<EncounterStatus, string> = {
  draft: "Draft",
  signed: "Signed",
  amended: "Amended",
};

/** "sore_throat" -> "Sore throat": for complaint codes stored on older encounters. */
export function humanize(code: string): string {
  const words = code.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const TASK_QUEUES: readonly SegmentOption<Exclude<Role, "admin" | "physician_assistant">>[] = [
  { value: "physician", label: "Physician" },
  { value: "nurse_practitioner", label: "Nurse practitioner" },
  { value: "registered_nurse", label: "Registered nurse" },
  { value: "care_coordinator", label: "Care coordinator" },
];

export function queueLabel(role: Role): string {
  return TASK_QUEUES.find((q) => q.value === role)?.label ?? humanize(role);
}

export const TASK_KINDS: readonly SegmentOption<TaskKind>[] = [
  { value: "lab_follow_up", label: "Lab follow-up" },
  { value: "outreach", label: "Outreach" },
  { value: "scheduling", label: "Scheduling" },
  { value: "refill_request", label: "Refill" },
  { value: "review_thread", label: "Review messages" },
];

export function taskKindLabel(kind: TaskKind): string {
  return TASK_KINDS.find((k) => k.value === kind)?.label ?? humanize(kind);
}

/** Two-letter codes of the 50 states, DC and the inhabited territories (the core's list). */
export const STATE_CODES: readonly string[] = [
  "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
  "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
  "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "AS", "GU", "MP", "PR", "VI",
];

// ---------- Keys for options ----------

/**
 * Letter keys for `count` options: a, b, c… skipping the letters the page uses for something
 * else. More options than letters get none (they stay clickable).
 */
export function optionLetters(count: number, reserved: string = ""): string[] {
  const letters: string[] = [];
  for (let code = 97; code <= 122 && letters.length < count; code++) {
    const letter = String.fromCharCode(code);
    if (!reserved.includes(letter)) letters.push(letter);
  }
  return letters;
}

// ---------- History rows ----------

export interface HpiRow {
  /** "<complaint>:<prompt>" */
  id: string;
  complaint: string;
  complaintLabel: string;
  prompt: string;
  label: string;
  options: string[];
  multiple: boolean;
}

export function hpiRows(chosen: readonly { code: string; label: string }[], catalog: readonly ComplaintCatalogEntry[]) {
  const rows: HpiRow[] = [];
  for (const c of chosen) {
    const entry = catalog.find((e) => e.code === c.code);
    if (!entry) continue;
    for (const p of entry.hpi) {
      rows.push({
        id: `${c.code}:${p.id}`,
        complaint: c.code,
        complaintLabel: c.label,
        prompt: p.id,
        label: p.label,
        options: p.options,
        multiple: p.multiple,
      });
    }
  }
  return rows;
}

export function redFlags(chosen: readonly { code: string }[], catalog: readonly ComplaintCatalogEntry[]): string[] {
  const out: string[] = [];
  for (const c of chosen) {
    for (const flag of catalog.find((e) => e.code === c.code)?.red_flags ?? []) {
      if (!out.includes(flag)) out.push(flag);
    }
  }
  return out;
}

// ---------- Systems rows ----------

export type SystemList = "ros" | "exam";

export interface SystemRow {
  /** "ros:<system>" or "exam:<system>" */
  id: string;
  list: SystemList;
  system: string;
  label: string;
  normal: string;
  abnormal: string[];
}

/**
 * The review-of-systems rows, then the exam rows, of the chosen complaints: one row per system
 * (the first complaint's label and normal sentence; abnormal findings of all of them). Systems
 * documented earlier but no longer asked for (a complaint was removed) stay, so nothing charted
 * disappears from view.
 */
export function systemRows(
  chosen: readonly { code: string }[],
  catalog: readonly ComplaintCatalogEntry[],
  documented: { ros: readonly SystemEntry[]; exam: readonly SystemEntry[] },
): SystemRow[] {
  const rows: SystemRow[] = [];
  for (const list of ["ros", "exam"] as const) {
    const mine: SystemRow[] = [];
    for (const c of chosen) {
      const entry = catalog.find((e) => e.code === c.code);
      for (const s of entry?.[list] ?? []) {
        const existing = mine.find((r) => r.system === s.system);
        if (existing) {
          for (const f of s.abnormal) if (!existing.abnormal.includes(f)) existing.abnormal.push(f);
        } else {
          mine.push({ id: `${list}:${s.system}`, list, system: s.system, label: s.label, normal: s.normal, abnormal: [...s.abnormal] });
        }
      }
    }
    for (const e of documented[list]) {
      const existing = mine.find((r) => r.system === e.system);
      if (existing) {
        for (const f of e.findings) if (!existing.abnormal.includes(f)) existing.abnormal.push(f);
      } else {
        mine.push({ id: `${list}:${e.system}`, list, system: e.system, label: e.label, normal: e.normal_text, abnormal: [...e.findings] });
      }
    }
    rows.push(...mine);
  }
  return rows;
}

// ---------- Numbers ----------

/**
 * What a number field holds: null when empty, undefined when it is not a number (yet), else the
 * value. "101." counts as 101 so typing a decimal point does not flicker an error.
 */
export function parseNumber(text: string): number | null | undefined {
  const t = text.trim();
  if (t === "") return null;
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(t)) return undefined;
  const value = Number(t);
  return Number.isFinite(value) ? value : undefined;
}

export function numberText(value: number | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

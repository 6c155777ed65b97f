import type { PatientField } from "../../bindings/PatientField";
import type { RejectCode } from "../../bindings/RejectCode";
import type { RefusedMutation } from "../../lib/ipc";

const FIELD_LABELS: Record<PatientField, string> = {
  given_name: "first name",
  family_name: "last name",
  birth_date: "date of birth",
  sex: "sex",
  phone: "phone",
  email: "email",
  preferred_channel: "preferred channel",
  current_state: "state",
  guardian: "guardian",
  allergies: "allergies",
  medications: "medications",
  problems: "problems",
};

export function fieldLabel(field: PatientField): string {
  return FIELD_LABELS[field] ?? String(field);
}

/** "Phone" — for a table's row header. */
export function fieldHeading(field: PatientField): string {
  const label = fieldLabel(field);
  return label.charAt(0).toUpperCase() + label.slice(1);
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * What the clinician did, in their words: "Edit to Ava Martinez: phone, email".
 * `patientName` is null when the patient could not be looked up.
 */
export function describeMutation(mutation: RefusedMutation, patientName: string | null): string {
  switch (mutation.kind) {
    case "edit_patient": {
      const fields = mutation.changes.map((c) => fieldLabel(c.field)).join(", ");
      return `Edit to ${patientName ?? "a patient"}${fields ? `: ${fields}` : ""}`;
    }
    case "post_message":
      return `Message: “${truncate(mutation.body, 80)}”`;
    case "claim_task":
      return "Claiming a task";
    case "complete_task":
      return "Completing a task";
    case "cancel_task":
      return "Cancelling a task";
    case "hand_off_task":
      return "Handing off a task";
    case "start_encounter":
      return "Starting a visit";
    case "edit_section":
      return `Note section: ${SECTION_TITLES[mutation.section.section] ?? mutation.section.section} (open the note to choose a version)`;
    case "sign_encounter":
      return "Signing a note";
    case "add_addendum":
      return `Addendum: “${truncate(mutation.text, 80)}”`;
    case "cosign_encounter":
      return "Co-signing a note";
    case "create_task":
      return `New task: ${truncate(mutation.description, 80)}`;
    default:
      return "A change";
  }
}

const SECTION_TITLES: Record<string, string> = {
  context: "Context",
  complaints: "Chief complaint",
  history: "History",
  systems: "Review of systems & exam",
  vitals: "Vitals",
  assessment: "Assessment",
  plan: "Plan",
};

const REJECT_SUMMARIES: Record<RejectCode, string> = {
  conflict: "Changed on another device first",
  already_claimed: "Someone else claimed it first",
  forbidden: "Not allowed for your account",
  not_found: "No longer exists on the server",
  invalid: "Not accepted by the server",
  unsupported_schema: "The server does not understand this version of Rounds",
};

export function rejectSummary(code: RejectCode): string {
  return REJECT_SUMMARIES[code] ?? "Refused by the server";
}

/** One value, short and readable: strings as-is, null as "—", lists and records as text. */
export function formatValue(value: unknown, max = 160): string {
  return truncate(valueText(value), max) || "—";
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value === "" ? "—" : value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map(valueText).join("; ");
  if (typeof value === "object") {
    const parts = Object.values(value as Record<string, unknown>)
      .filter((v) => v !== null && v !== undefined && v !== "")
      .map(valueText);
    return parts.length === 0 ? "—" : parts.join(", ");
  }
  return String(value);
}

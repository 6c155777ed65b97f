import type { Channel } from "../../bindings/Channel";
import type { FieldEdit } from "../../bindings/FieldEdit";
import type { Patient } from "../../bindings/Patient";
import type { Sex } from "../../bindings/Sex";
import type { SegmentOption } from "../common/Segmented";

export const CHANNEL_OPTIONS: readonly SegmentOption<Channel>[] = [
  { value: "sms", label: "SMS" },
  { value: "chat", label: "Chat" },
  { value: "phone", label: "Phone" },
  { value: "email", label: "Email" },
];

export const SEX_OPTIONS: readonly SegmentOption<Sex>[] = [
  { value: "female", label: "Female" },
  { value: "male", label: "Male" },
  { value: "other", label: "Other" },
  { value: "unknown", label: "Unknown" },
];

/** What the clinician has typed in the banner's contact form, exactly as typed. */
export interface ContactDraft {
  phone: string;
  email: string;
  state: string;
  channel: Channel;
}

export function draftFrom(patient: Patient): ContactDraft {
  return {
    phone: patient.phone ?? "",
    email: patient.email ?? "",
    state: patient.current_state,
    channel: patient.preferred_channel,
  };
}

/** Blank optional text clears the field. */
export function optionalText(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === "" ? null : trimmed;
}

export function stateCode(text: string): string {
  return text.trim().toUpperCase();
}

/** Only the fields that differ from the patient as shown. */
export function changedEdits(patient: Patient, draft: ContactDraft): FieldEdit[] {
  const edits: FieldEdit[] = [];
  const phone = optionalText(draft.phone);
  if (phone !== patient.phone) edits.push({ field: "phone", value: phone });
  const email = optionalText(draft.email);
  if (email !== patient.email) edits.push({ field: "email", value: email });
  const state = stateCode(draft.state);
  if (state !== patient.current_state) edits.push({ field: "current_state", value: state });
  if (draft.channel !== patient.preferred_channel) edits.push({ field: "preferred_channel", value: draft.channel });
  return edits;
}

/**
 * Work the lock would otherwise lose. Rounds unmounts the main screen when it locks, and what was
 * typed and lived only in its state would go with it:
 *
 * - visit sections whose autosave the core refused because it had locked (the latest value per
 *   encounter and section): opening the visit again shows them over the draft read from the core
 *   and saves them again;
 * - contact details being edited, by patient, until saved or cancelled;
 * - addenda being written, by encounter, until added.
 *
 * (Replies being written are kept with the Place, by thread.) Memory only, outside React, never
 * WebView storage: it is patient data. Cleared when the session ends (signing out, from the lock
 * screen too, or the session ending), so the next clinician to sign in never sees it.
 */
import type { Section } from "../bindings/Section";
import type { SectionKey } from "../bindings/SectionKey";
import type { ContactDraft } from "../features/patients/contact";

/** By encounter id, then section. */
const sections = new Map<string, Map<SectionKey, Section>>();
/** By patient id. */
const contacts = new Map<string, ContactDraft>();
/** By encounter id. */
const addenda = new Map<string, string>();

/** The core refused this section's save as locked: kept (replacing any older value of it). */
export function holdSection(encounterId: string, section: Section): void {
  let held = sections.get(encounterId);
  if (!held) {
    held = new Map();
    sections.set(encounterId, held);
  }
  held.set(section.section, section);
}

/** The sections of an encounter refused as locked and not saved since. */
export function heldSections(encounterId: string): Section[] {
  return [...(sections.get(encounterId)?.values() ?? [])];
}

/** The core has answered a newer save of the section: nothing of it is held any more. */
export function releaseSection(encounterId: string, key: SectionKey): void {
  const held = sections.get(encounterId);
  if (!held) return;
  held.delete(key);
  if (held.size === 0) sections.delete(encounterId);
}

/** The contact form's unsaved text for a patient; null once saved or cancelled. */
export function holdContact(patientId: string, draft: ContactDraft | null): void {
  if (draft) contacts.set(patientId, draft);
  else contacts.delete(patientId);
}

/** Unsaved contact edits, by patient id. */
export function heldContacts(): Record<string, ContactDraft> {
  return Object.fromEntries(contacts);
}

/** The addendum being written on a signed note; "" once added or cleared. */
export function holdAddendum(encounterId: string, text: string): void {
  if (text) addenda.set(encounterId, text);
  else addenda.delete(encounterId);
}

export function heldAddendum(encounterId: string): string {
  return addenda.get(encounterId) ?? "";
}

/** Anything held at all. */
export function hasHeldWork(): boolean {
  return sections.size > 0 || contacts.size > 0 || addenda.size > 0;
}

/** The session ended: nothing typed in it may reach the next one. */
export function clearHeldWork(): void {
  sections.clear();
  contacts.clear();
  addenda.clear();
}

import type { Patient } from "../bindings/Patient";
import type { PatientListItem } from "../bindings/PatientListItem";
import type { SessionInfo } from "../bindings/SessionInfo";
import type { SyncStatus } from "../bindings/SyncStatus";
import type { RefusedChange } from "../lib/ipc";

/** Tests that show ages freeze the clock here (local time). */
export const TODAY = new Date(2026, 3, 20, 9, 30);

export const SESSION: SessionInfo = {
  practitioner: {
    id: "pr-1",
    organization_id: "org-1",
    display_name: "Ana Ruiz, NP",
    email: "ana.ruiz@clinic.test",
    roles: ["nurse_practitioner"],
    licenses: [{ state: "CA", license_type: "NP", number: "NP-1234", expires_on: "2027-01-31" }],
    supervisor_id: "pr-kemi",
    on_duty: true,
  },
  server_url: "https://rounds.clinic.test",
  cached_patients: 3,
  online: true,
};

/** A physician licensed in TX and OR (their CA license has expired): co-signs NP and PA notes. */
export const PHYSICIAN_SESSION: SessionInfo = {
  ...SESSION,
  practitioner: {
    id: "pr-kemi",
    organization_id: "org-1",
    display_name: "Dr. Kemi Obi, MD",
    email: "kemi.obi@clinic.test",
    roles: ["physician"],
    licenses: [
      { state: "TX", license_type: "MD", number: "MD-5521", expires_on: "2027-06-30" },
      { state: "OR", license_type: "MD", number: "MD-7710", expires_on: "2027-06-30" },
      { state: "CA", license_type: "MD", number: "MD-3300", expires_on: "2026-03-31" },
    ],
    supervisor_id: null,
    on_duty: true,
  },
};

export const MIA: Patient = {
  id: "pt-mia",
  mrn: "100234",
  given_name: "Mia",
  family_name: "Lopez",
  birth_date: "2019-04-12",
  sex: "female",
  phone: "+14155550123",
  email: null,
  preferred_channel: "sms",
  current_state: "CA",
  guardian: { name: "Rosa Lopez", relationship: "mother", phone: "+14155550199" },
  allergies: [
    { substance: "Penicillin", reaction: "Hives" },
    { substance: "Peanut", reaction: null },
  ],
  medications: [{ name: "Albuterol HFA", dosage: "90 mcg, 2 puffs every 4 h as needed", rxnorm: "745679" }],
  problems: [{ description: "Mild persistent asthma", icd10: "J45.30" }],
  version: 3,
};

export const THOMAS: Patient = {
  id: "pt-thomas",
  mrn: "100871",
  given_name: "Thomas",
  family_name: "Nguyen",
  birth_date: "1956-11-03",
  sex: "male",
  phone: "503-555-0142",
  email: "t.nguyen@example.test",
  preferred_channel: "phone",
  current_state: "OR",
  guardian: null,
  allergies: [],
  medications: [{ name: "Lisinopril", dosage: "10 mg daily", rxnorm: null }],
  problems: [{ description: "Essential hypertension", icd10: "I10" }],
  version: 1,
};

export const NOAH: Patient = {
  id: "pt-noah",
  mrn: "101502",
  given_name: "Noah",
  family_name: "Okafor",
  birth_date: "2024-10-02",
  sex: "male",
  phone: null,
  email: null,
  preferred_channel: "chat",
  current_state: "WA",
  guardian: { name: "Ada Okafor", relationship: "father", phone: "+12065550111" },
  allergies: [],
  medications: [],
  problems: [],
  version: 1,
};

export const PATIENTS = [MIA, THOMAS, NOAH];

export function listItem(p: Patient): PatientListItem {
  return {
    id: p.id,
    mrn: p.mrn,
    given_name: p.given_name,
    family_name: p.family_name,
    birth_date: p.birth_date,
    sex: p.sex,
    phone: p.phone,
    current_state: p.current_state,
  };
}

/** A crude stand-in for the core's search: name or MRN contains the query. */
export function searchFixtures(query: string, limit: number): PatientListItem[] {
  const q = query.trim().toLowerCase();
  return PATIENTS.filter((p) => !q || `${p.family_name} ${p.given_name} ${p.mrn}`.toLowerCase().includes(q))
    .slice(0, limit)
    .map(listItem);
}

export function findFixture(id: string): Patient | undefined {
  return PATIENTS.find((p) => p.id === id);
}

/** An RFC 3339 moment at this local time on TODAY's date, as the core would send it. */
export function todayAt(hours: number, minutes: number): string {
  return new Date(TODAY.getFullYear(), TODAY.getMonth(), TODAY.getDate(), hours, minutes).toISOString();
}

export function syncStatusOf(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return {
    pending: 0,
    rejected: 0,
    last_synced_at: todayAt(9, 28),
    offline_since: null,
    progress: null,
    session_live: false,
    ...overrides,
  };
}

/** Someone else changed Mia's phone first; this device wanted another number. */
export const MIA_PHONE_CONFLICT: RefusedChange = {
  client_seq: 7,
  mutation: {
    kind: "edit_patient",
    patient_id: MIA.id,
    changes: [{ field: "phone", base: MIA.phone, value: "+14155559999" }],
  },
  outcome: {
    status: "rejected",
    code: "conflict",
    message: "changed on another device first: phone",
    conflicts: [{ field: "phone", base: MIA.phone, theirs: "+14155550000", ours: "+14155559999" }],
  },
};

export const CLAIM_LOST: RefusedChange = {
  client_seq: 9,
  mutation: { kind: "claim_task", task_id: "task-1", base_version: 2 },
  outcome: { status: "rejected", code: "already_claimed", message: "claimed by Dr. Obi at 09:14", conflicts: [] },
};

import type { ComplaintCatalogEntry } from "../bindings/ComplaintCatalogEntry";
import type { Draft } from "../bindings/Draft";
import type { EncounterView } from "../bindings/EncounterView";
import type { Icd10Code } from "../bindings/Icd10Code";
import type { Page } from "../bindings/Page";
import type { Patient } from "../bindings/Patient";
import type { Practitioner } from "../bindings/Practitioner";
import type { Section } from "../bindings/Section";
import type { SignIssue } from "../bindings/SignIssue";
import type { Vitals } from "../bindings/Vitals";
import { PAGES, PAGE_TITLES, activeLicense, isSigned, withSection } from "../features/charting/model";
import { failure, type Handler } from "./fakeCore";
import { SESSION, THOMAS, todayAt } from "./fixtures";

/** Sore throat as shipped in data/complaints/adult_primary.json (rank 1). */
export const SORE_THROAT: ComplaintCatalogEntry = {
  code: "sore_throat",
  label: "Sore throat",
  rank: 1,
  hpi: [
    { id: "onset", label: "Onset", options: ["Today", "1-2 days", "3-6 days", "1 week+"], multiple: false },
    { id: "severity", label: "Severity", options: ["Mild", "Moderate", "Severe"], multiple: false },
    {
      id: "associated",
      label: "Associated",
      options: ["Fever", "Cough", "Runny nose", "Swollen glands", "Rash", "Hoarseness", "Ear pain"],
      multiple: true,
    },
    { id: "swallowing", label: "Swallowing", options: ["Normal", "Painful", "Can't swallow liquids", "Drooling"], multiple: false },
    { id: "exposures", label: "Exposures", options: ["Strep contact", "Sick contact", "Oral sex exposure", "None known"], multiple: true },
    { id: "strep_test", label: "Strep test", options: ["Positive", "Negative", "Not done"], multiple: false },
  ],
  ros: [
    { system: "constitutional", label: "Constitutional", normal: "No fever, chills or fatigue", abnormal: ["Fever", "Chills", "Fatigue", "Body aches"] },
    { system: "ears", label: "Ears", normal: "No ear pain or hearing change", abnormal: ["Ear pain", "Ear fullness", "Hearing loss"] },
    { system: "nose", label: "Nose", normal: "No congestion or discharge", abnormal: ["Congestion", "Runny nose", "Sneezing"] },
    { system: "throat", label: "Throat", normal: "No voice change, drooling or trouble opening mouth", abnormal: ["Muffled voice", "Drooling", "Trismus"] },
    { system: "respiratory", label: "Respiratory", normal: "No cough, wheeze or shortness of breath", abnormal: ["Cough", "Wheeze", "Shortness of breath", "Chest tightness"] },
    { system: "skin", label: "Skin", normal: "No rash", abnormal: ["Rash", "Sandpaper rash"] },
  ],
  exam: [
    { system: "constitutional", label: "General appearance", normal: "Well-appearing, no distress", abnormal: ["Ill-appearing", "Distressed", "Fatigued", "Diaphoretic"] },
    {
      system: "throat",
      label: "Throat",
      normal: "Pharynx without erythema or exudate; uvula midline",
      abnormal: ["Erythema", "Tonsillar exudate", "Tonsillar swelling", "Palatal petechiae", "Uvula deviation", "Peritonsillar bulge"],
    },
    { system: "lymph", label: "Lymph nodes", normal: "No cervical lymphadenopathy", abnormal: ["Tender anterior nodes", "Posterior nodes", "Enlarged nodes"] },
    { system: "neck", label: "Neck", normal: "Supple, no swelling or tenderness", abnormal: ["One-sided swelling", "Neck tenderness", "Limited motion"] },
    { system: "respiratory", label: "Breathing", normal: "Unlabored, no stridor", abnormal: ["Stridor", "Tachypnea"] },
  ],
  red_flags: ["Drooling or unable to swallow saliva", "Stridor or trouble breathing"],
  icd10: ["J02.9", "J02.0", "J03.90"],
};

function simple(code: string, label: string, rank: number): ComplaintCatalogEntry {
  return {
    code,
    label,
    rank,
    hpi: [{ id: "onset", label: "Onset", options: ["Today", "This week"], multiple: false }],
    ros: [{ system: "constitutional", label: "Constitutional", normal: "No fever", abnormal: ["Fever"] }],
    exam: [{ system: "constitutional", label: "General appearance", normal: "Well-appearing", abnormal: ["Ill-appearing"] }],
    red_flags: [],
    icd10: [],
  };
}

/** The adult catalog in its shipped order (first 14; 12 are buttons, the rest under More…). */
export const ADULT_CATALOG: ComplaintCatalogEntry[] = [
  SORE_THROAT,
  {
    ...simple("cough", "Cough", 2),
    hpi: [
      { id: "duration", label: "Duration", options: ["Days", "Weeks"], multiple: false },
      { id: "associated", label: "Associated", options: ["Fever", "Wheeze"], multiple: true },
    ],
    red_flags: ["Coughing blood"],
    icd10: ["R05.1"],
  },
  simple("sinus_congestion", "Sinus congestion", 3),
  simple("urinary_symptoms", "Urinary symptoms (female)", 4),
  simple("cold_flu", "Cold or flu", 5),
  simple("medication_refill", "Medication refill", 6),
  simple("rash", "Rash", 7),
  simple("back_pain", "Back pain", 8),
  simple("headache", "Headache", 9),
  simple("bp_followup", "Blood pressure follow-up", 10),
  simple("diabetes_followup", "Diabetes follow-up", 11),
  simple("pink_eye", "Pink eye", 12),
  simple("ear_pain", "Ear pain", 13),
  simple("allergies", "Allergies", 14),
];

export const ICD10: Icd10Code[] = [
  { code: "J02.9", billable: true, description: "Acute pharyngitis, unspecified" },
  { code: "J02.0", billable: true, description: "Streptococcal pharyngitis" },
  { code: "J03.90", billable: true, description: "Acute tonsillitis, unspecified" },
  { code: "J02", billable: false, description: "Acute pharyngitis" },
  { code: "R05.1", billable: true, description: "Acute cough" },
];

export function emptyVitals(): Vitals {
  return {
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
  };
}

export function emptyDraftFor(patient: Patient): Draft {
  return {
    context: { mode: "video", state_of_care: patient.current_state, service_line: "adult_primary" },
    complaints: { chosen: [] },
    history: { answers: [], narrative: "" },
    systems: { ros: [], exam: [], narrative: "" },
    vitals: emptyVitals(),
    assessment: { diagnoses: [], narrative: "" },
    plan: { labs: [], medications: [], instructions: "", follow_up: "", tasks: [] },
  };
}

function vitalsProblem(v: Vitals): string | null {
  const problems: string[] = [];
  const celsius = v.temperature ? (v.temperature.unit === "C" ? v.temperature.value : ((v.temperature.value - 32) * 5) / 9) : null;
  if (celsius !== null && (celsius < 25 || celsius > 45)) {
    problems.push(`Temperature ${v.temperature?.value} is not possible (expected 25 to 45 Cel)`);
  }
  if (v.heart_rate !== null && (v.heart_rate < 20 || v.heart_rate > 300)) {
    problems.push(`Heart rate ${v.heart_rate} is not possible (expected 20 to 300 /min)`);
  }
  return problems.length ? problems.join("; ") : null;
}

/** A simplified stand-in for the core's derivations (Draft::page_complete, incomplete, compose_note). */
export function derive(view: EncounterView, licensed: boolean): EncounterView {
  const d = view.encounter.draft!;
  const complete: Record<Page, boolean> = {
    context: true,
    complaint: d.complaints.chosen.length > 0,
    history: d.history.narrative.trim() !== "" || d.history.answers.some((a) => a.chosen.length > 0),
    systems: d.systems.ros.length > 0 || d.systems.exam.length > 0 || d.systems.narrative.trim() !== "",
    vitals: Object.entries(d.vitals).some(([k, v]) => k !== "reported" && v !== null),
    assessment: d.assessment.diagnoses.some((x) => x.billable),
    plan:
      d.plan.labs.length > 0 ||
      d.plan.medications.length > 0 ||
      d.plan.instructions.trim() !== "" ||
      d.plan.follow_up.trim() !== "",
    review: false,
  };
  complete.review = PAGES.slice(0, 7).every((p) => p === "vitals" || complete[p]);
  const blockers: SignIssue[] = [];
  if (view.encounter.status !== "draft") {
    blockers.push({ blocker: { kind: "already_signed" }, message: "The note is signed; changes are addenda" });
  } else {
    if (!licensed) {
      blockers.push({
        blocker: { kind: "no_license", state: d.context.state_of_care },
        message: `You hold no active license in ${d.context.state_of_care}, where the patient is: hand the note off to a clinician licensed there`,
      });
    }
    const missing: Array<[Page, string]> = [
      ["complaint", "a chief complaint"],
      ["history", "the history (a prompt or narrative)"],
      ["systems", "a review of systems or exam"],
      ["assessment", "a diagnosis"],
      ["plan", "a plan (orders, instructions or follow-up)"],
    ];
    for (const [page, what] of missing) {
      if (!complete[page]) blockers.push({ blocker: { kind: "missing", page, what }, message: `${PAGE_TITLES[page]}: needs ${what}` });
    }
  }
  const note =
    view.encounter.status === "draft"
      ? [
          `Chief complaint: ${d.complaints.chosen.map((c) => c.label).join(", ") || "not recorded"}.`,
          ...d.history.answers.map((a) => `${a.label}: ${a.chosen.join(", ")}`),
          ...d.systems.exam.map((e) => `- ${e.label}: ${e.status === "normal" ? e.normal_text : e.findings.join(", ")}.`),
          ...d.assessment.diagnoses.map((x) => `- ${x.code} ${x.description}`),
          d.plan.instructions.trim() ? `- Instructions: ${d.plan.instructions.trim()}` : "",
        ]
          .filter(Boolean)
          .join("\n")
      : view.encounter.note;
  const temp = d.vitals.temperature;
  const fahrenheit = temp ? (temp.unit === "F" ? temp.value : (temp.value * 9) / 5 + 32) : null;
  return {
    ...view,
    pages: PAGES.map((page) => ({ page, title: PAGE_TITLES[page], complete: complete[page] })),
    note,
    blockers,
    vitals_flags:
      fahrenheit !== null && fahrenheit > 100.4
        ? [{ kind: "temperature", direction: "high", message: `Temperature ${temp!.value} is high for an adult (normal 36–38)` }]
        : [],
    suggested_codes: d.complaints.chosen.flatMap(
      (c) => ADULT_CATALOG.find((e) => e.code === c.code)?.icd10.flatMap((code) => ICD10.filter((x) => x.code === code)) ?? [],
    ),
  };
}

export function viewFor(patient: Patient, options: { licensed?: boolean; draft?: Partial<Draft> } = {}): EncounterView {
  const licensed = options.licensed ?? true;
  const license = SESSION.practitioner.licenses[0]!;
  const base: EncounterView = {
    encounter: {
      id: "enc-1",
      patient_id: patient.id,
      author_id: SESSION.practitioner.id,
      mode: "video",
      service_line: "adult_primary",
      state_of_care: patient.current_state,
      status: "draft",
      chief_complaints: [],
      note: "",
      started_at: todayAt(9, 30),
      signed_at: null,
      version: 1,
      draft: { ...emptyDraftFor(patient), ...options.draft },
      signed_by: null,
      content_hash: null,
      cosign_required: false,
      cosigned_by: null,
      cosigned_at: null,
      addenda: [],
    },
    patient,
    pages: [],
    note: "",
    blockers: [],
    license: licensed
      ? {
          state: patient.current_state,
          license: { ...license, state: patient.current_state },
          message: `Licensed in ${patient.current_state} (${license.license_type} ${license.number}) until ${license.expires_on}`,
          expiring_soon: false,
        }
      : {
          state: patient.current_state,
          license: null,
          message: `No active license in ${patient.current_state}`,
          expiring_soon: false,
        },
    vitals_flags: [],
    billing: { complexity: "low", code: "99213", description: "Established patient visit, low", rationale: ["Problems: one acute, uncomplicated illness"] },
    suggested_codes: [],
    conflicts: [],
    unsynced: 0,
  };
  return derive(base, licensed);
}

export interface FakeCharting {
  handlers: Record<string, Handler>;
  /** The encounter as the fake core holds it now. */
  view: () => EncounterView;
  setView: (view: EncounterView) => void;
}

/**
 * A stateful fake of the charting commands over one encounter (Thomas, an adult, by default).
 * `practitioner` is who is signed in (SESSION's by default): co-signing checks them.
 */
export function fakeCharting(
  options: { patient?: Patient; licensed?: boolean; view?: EncounterView; practitioner?: Practitioner } = {},
): FakeCharting {
  const patient = options.patient ?? THOMAS;
  const licensed = options.licensed ?? true;
  const me = options.practitioner ?? SESSION.practitioner;
  let view = options.view ?? viewFor(patient, { licensed });

  function bump(next: EncounterView): EncounterView {
    view = derive({ ...next, encounter: { ...next.encounter, version: next.encounter.version + 1 } }, licensed);
    return view;
  }

  const handlers: Record<string, Handler> = {
    start_encounter: ({ mode, serviceLine }) => {
      view = viewFor(patient, { licensed });
      view = derive(
        {
          ...view,
          encounter: {
            ...view.encounter,
            mode: mode as EncounterView["encounter"]["mode"],
            service_line: String(serviceLine),
            draft: {
              ...view.encounter.draft!,
              context: { ...view.encounter.draft!.context, mode: mode as "video", service_line: String(serviceLine) },
            },
          },
        },
        licensed,
      );
      return view;
    },
    get_encounter: () => view,
    complaints: () => ADULT_CATALOG,
    search_icd10: ({ query }) => {
      const q = String(query).toLowerCase();
      return ICD10.filter((c) => `${c.code} ${c.description}`.toLowerCase().includes(q));
    },
    search_labs: () => [{ loinc: "78012-2", name: "Strep A antigen", display: "Strep A antigen, rapid", category: "micro" }],
    search_drugs: () => [
      { rxcui: "308182", name: "Amoxicillin 500 MG Oral Capsule", display: "Amoxicillin 500 mg capsule", default_sig: "1 capsule by mouth twice daily for 10 days" },
    ],
    save_section: ({ section }) => {
      const s = section as Section;
      if (s.section === "vitals") {
        const problem = vitalsProblem(s);
        if (problem) return failure("invalid_input", problem);
      }
      const draft = withSection(view.encounter.draft!, s);
      return bump({
        ...view,
        encounter: {
          ...view.encounter,
          draft,
          chief_complaints: draft.complaints.chosen.map((c) => c.code),
          mode: draft.context.mode,
          state_of_care: draft.context.state_of_care,
          service_line: draft.context.service_line,
        },
      });
    },
    sign_encounter: () => {
      const blockers = view.blockers;
      if (blockers.length) return failure("invalid_input", blockers.map((b) => b.message).join("; "));
      return bump({
        ...view,
        encounter: {
          ...view.encounter,
          status: "signed",
          note: view.note,
          signed_at: todayAt(9, 42),
          signed_by: me.id,
          content_hash: "3f2a9c1b7d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4",
        },
        unsynced: 3,
      });
    },
    add_addendum: ({ text }) =>
      bump({
        ...view,
        encounter: {
          ...view.encounter,
          status: "amended",
          addenda: [
            ...view.encounter.addenda,
            {
              id: `add-${view.encounter.addenda.length + 1}`,
              author_id: me.id,
              text: String(text),
              signed_at: todayAt(9, 45),
              content_hash: "ab".repeat(32),
            },
          ],
        },
      }),
    // As the core: the co-signature is queued for the server; the note shows it (cosigned_by)
    // only once the server has it, so the answer is the same encounter with one more unsynced.
    cosign_encounter: () => {
      const e = view.encounter;
      if (!isSigned(e.status) || !e.cosign_required || e.cosigned_by) {
        return failure("invalid_input", "this note is not waiting for a co-signature");
      }
      if (!me.roles.includes("physician") || !activeLicense(me, e.state_of_care)) {
        return failure("forbidden", `co-signing needs a physician licensed in ${e.state_of_care}`);
      }
      view = { ...view, unsynced: view.unsynced + 1 };
      return view;
    },
    settle_section_conflict: ({ clientSeq, section }) => {
      const conflict = view.conflicts.find((c) => c.client_seq === clientSeq);
      if (!conflict) return failure("not_found", `no conflict ${String(clientSeq)}`);
      const chosen = (section as Section | null) ?? conflict.theirs;
      return bump({
        ...view,
        conflicts: view.conflicts.filter((c) => c.client_seq !== clientSeq),
        encounter: { ...view.encounter, draft: withSection(view.encounter.draft!, chosen) },
      });
    },
  };

  return {
    handlers,
    view: () => view,
    setView: (next) => {
      view = next;
    },
  };
}

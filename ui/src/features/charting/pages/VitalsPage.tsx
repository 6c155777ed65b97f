import { useEffect, useRef, type Dispatch, type ReactNode, type SetStateAction } from "react";
import type { LengthUnit } from "../../../bindings/LengthUnit";
import type { TemperatureUnit } from "../../../bindings/TemperatureUnit";
import type { VitalKind } from "../../../bindings/VitalKind";
import type { Vitals } from "../../../bindings/Vitals";
import type { WeightUnit } from "../../../bindings/WeightUnit";
import type { VitalTrends } from "../../../bindings/VitalTrends";
import { VitalsTrendsPanel } from "../../charts/VitalTrends";
import type { DeviceRead } from "../../charts/useDeviceRead";
import { Segmented } from "../../common/Segmented";
import { sameJson } from "../autosave";
import { numberText, parseNumber } from "../model";
import { PageHeading, type PageProps } from "./common";

/** The vitals page's fields: one per VitalKind. */
export type VitalField = VitalKind;

export const VITAL_FIELDS: readonly VitalField[] = [
  "temperature",
  "heart_rate",
  "respiratory_rate",
  "systolic",
  "diastolic",
  "spo2",
  "weight",
  "height",
  "pain",
];

export interface VitalsUnits {
  temperature: TemperatureUnit;
  weight: WeightUnit;
  height: LengthUnit;
}

/**
 * What is typed on the vitals page. It outlives the page (kept by the charting screen), so an
 * impossible value and its message are still there after visiting another page.
 */
export interface VitalsForm {
  texts: Record<VitalField, string>;
  units: VitalsUnits;
  /** The core refused this text for the field: its message shows while the text is unchanged. */
  refused: Partial<Record<VitalField, { text: string; message: string }>>;
}

function savedNumber(v: Vitals, field: VitalField): number | null {
  switch (field) {
    case "temperature":
      return v.temperature?.value ?? null;
    case "weight":
      return v.weight?.value ?? null;
    case "height":
      return v.height?.value ?? null;
    default:
      return v[field];
  }
}

export function vitalsFormFrom(v: Vitals): VitalsForm {
  const texts = {} as Record<VitalField, string>;
  for (const f of VITAL_FIELDS) texts[f] = numberText(savedNumber(v, f));
  return {
    texts,
    units: {
      temperature: v.temperature?.unit ?? "F",
      weight: v.weight?.unit ?? "lb",
      height: v.height?.unit ?? "in",
    },
    refused: {},
  };
}

/**
 * The form again after the vitals changed elsewhere (another page, a settled conflict): saved
 * values show, except fields still holding something unsaved (refused, or not a number yet).
 */
export function reconcileVitalsForm(form: VitalsForm, v: Vitals): VitalsForm {
  const fresh = vitalsFormFrom(v);
  const texts = { ...fresh.texts };
  const units = { ...fresh.units };
  for (const f of VITAL_FIELDS) {
    if (isRefused(form, f) || parseNumber(form.texts[f]) === undefined) texts[f] = form.texts[f];
  }
  if (!v.temperature) units.temperature = form.units.temperature;
  if (!v.weight) units.weight = form.units.weight;
  if (!v.height) units.height = form.units.height;
  return { texts, units, refused: form.refused };
}

function isRefused(form: VitalsForm, field: VitalField): boolean {
  const r = form.refused[field];
  return r !== undefined && r.text === form.texts[field];
}

/**
 * The vitals section to save: each field as typed. A field whose text the core refused, or that
 * is not a number, is saved empty: the note never holds a value other than the one on screen
 * (say 90 while the field shows the refused 900).
 */
export function vitalsFromForm(form: VitalsForm, reported: boolean): Vitals {
  const value = (f: VitalField): number | null => {
    const parsed = parseNumber(form.texts[f]);
    return parsed === undefined || isRefused(form, f) ? null : parsed;
  };
  const temperature = value("temperature");
  const weight = value("weight");
  const height = value("height");
  return {
    temperature: temperature === null ? null : { value: temperature, unit: form.units.temperature },
    heart_rate: value("heart_rate"),
    respiratory_rate: value("respiratory_rate"),
    systolic: value("systolic"),
    diastolic: value("diastolic"),
    spo2: value("spo2"),
    weight: weight === null ? null : { value: weight, unit: form.units.weight },
    height: height === null ? null : { value: height, unit: form.units.height },
    pain: value("pain"),
    reported,
  };
}

/** Fields whose value differs between two vitals sections. */
function changedFields(a: Vitals, b: Vitals): VitalField[] {
  return VITAL_FIELDS.filter((f) => !sameJson(a[f], b[f]));
}

interface Props extends PageProps {
  form: VitalsForm;
  setForm: Dispatch<SetStateAction<VitalsForm>>;
  /** The patient's earlier vitals, read as the chart opened. */
  trends: DeviceRead<VitalTrends>;
}

const LABELS: Record<VitalField, string> = {
  temperature: "Temperature",
  heart_rate: "Heart rate",
  respiratory_rate: "Respiratory rate",
  systolic: "Systolic",
  diastolic: "Diastolic",
  spo2: "SpO₂",
  weight: "Weight",
  height: "Height",
  pain: "Pain (0–10)",
};

const FIXED_UNITS: Partial<Record<VitalField, string>> = {
  heart_rate: "/min",
  respiratory_rate: "/min",
  systolic: "mmHg",
  diastolic: "mmHg",
  spo2: "%",
};

export function VitalsPage({ api, form, setForm, trends }: Props) {
  const { view, draft } = api;
  /** What the page shows (saved or on its way). */
  const shown = draft.vitals;
  const firstRef = useRef<HTMLInputElement>(null);
  const formRef = useRef(form);
  const enter = useRef({ vitals: shown, setForm });

  useEffect(() => {
    formRef.current = form;
  }, [form]);

  // On entering the page only: afterwards what is typed here is the truth.
  useEffect(() => {
    const { vitals, setForm: set } = enter.current;
    set((f) => {
      const next = reconcileVitalsForm(f, vitals);
      formRef.current = next;
      return next;
    });
    firstRef.current?.focus();
  }, []);

  function commit(next: VitalsForm) {
    formRef.current = next;
    setForm(next);
  }

  async function save(before: VitalsForm, next: VitalsForm, reported: boolean = shown.reported) {
    const vitals = vitalsFromForm(next, reported);
    if (sameJson(vitals, shown)) return;
    const outcome = await api.update({ section: "vitals", ...vitals });
    if (outcome.kind !== "refused" || outcome.error.code !== "invalid_input") return;
    // Nothing was saved: the message belongs to the fields this edit changed.
    const fields = changedFields(vitals, vitalsFromForm(before, reported));
    const current = formRef.current;
    const still = fields.filter((f) => current.texts[f] === next.texts[f]);
    if (still.length === 0) return; // typed on since: a newer save is on its way
    const refused = { ...current.refused };
    for (const f of still) refused[f] = { text: next.texts[f], message: outcome.error.message };
    const marked = { ...current, refused };
    commit(marked);
    // The core still holds the last value it accepted (perhaps half-typed): save the field empty.
    void save(marked, marked, reported);
  }

  function type(field: VitalField, text: string) {
    const before = formRef.current;
    const next = { ...before, texts: { ...before.texts, [field]: text } };
    commit(next);
    void save(before, next);
  }

  function setUnit<K extends keyof VitalsUnits>(key: K, unit: VitalsUnits[K]) {
    const before = formRef.current;
    const next = { ...before, units: { ...before.units, [key]: unit } };
    commit(next);
    void save(before, next);
  }

  function renderField(field: VitalField, unit: ReactNode, first = false) {
    const id = `vital-${field}`;
    const text = form.texts[field];
    const refusal = isRefused(form, field) ? form.refused[field]?.message : undefined;
    const notANumber = parseNumber(text) === undefined;
    const flags = view.vitals_flags.filter((f) => f.kind === field);
    const describedBy = `${id}-notes`;
    return (
      <div className={`field vital vital-${field}`} key={field}>
        <label htmlFor={id}>{LABELS[field]}</label>
        <div className="vital-input">
          <input
            id={id}
            ref={first ? firstRef : undefined}
            type="text"
            inputMode="decimal"
            autoComplete="off"
            data-testid={id}
            aria-invalid={refusal !== undefined || notANumber}
            aria-describedby={describedBy}
            value={text}
            onChange={(e) => type(field, e.target.value)}
          />
          {unit}
        </div>
        <div id={describedBy} className="vital-notes">
          {refusal && (
            <p className="field-error" role="alert">
              {refusal}
            </p>
          )}
          {!refusal && notANumber && <p className="field-error">Type a number.</p>}
          {!refusal &&
            flags.map((f) => (
              <p key={f.message} className="field-flag">
                {f.message}
              </p>
            ))}
        </div>
      </div>
    );
  }

  const fixed = (field: VitalField) => <span className="vital-unit">{FIXED_UNITS[field]}</span>;

  return (
    <>
      <PageHeading focus={false} lede="Values outside the usual range for the patient's age are flagged. Vitals are optional.">
        Vitals
      </PageHeading>

      <div className="vitals-grid">
        {renderField(
          "temperature",
          <Segmented
            label="Temperature unit"
            options={[
              { value: "F", label: "°F" },
              { value: "C", label: "°C" },
            ]}
            value={form.units.temperature}
            onChange={(u) => setUnit("temperature", u)}
          />,
          true,
        )}
        {renderField("heart_rate", fixed("heart_rate"))}
        {renderField("respiratory_rate", fixed("respiratory_rate"))}
        {renderField("systolic", fixed("systolic"))}
        {renderField("diastolic", fixed("diastolic"))}
        {renderField("spo2", fixed("spo2"))}
        {renderField(
          "weight",
          <Segmented
            label="Weight unit"
            options={[
              { value: "lb", label: "lb" },
              { value: "kg", label: "kg" },
            ]}
            value={form.units.weight}
            onChange={(u) => setUnit("weight", u)}
          />,
        )}
        {renderField(
          "height",
          <Segmented
            label="Height unit"
            options={[
              { value: "in", label: "in" },
              { value: "cm", label: "cm" },
            ]}
            value={form.units.height}
            onChange={(u) => setUnit("height", u)}
          />,
        )}
        {renderField("pain", null)}
      </div>

      <label className="checkbox">
        <input
          type="checkbox"
          checked={shown.reported}
          onChange={(e) => void save(formRef.current, formRef.current, e.target.checked)}
        />
        Reported by patient or parent
      </label>

      {api.refusals.vitals && api.refusals.vitals.code !== "invalid_input" && (
        <p className="form-error" role="alert">
          Not saved: {api.refusals.vitals.message}
        </p>
      )}

      <VitalsTrendsPanel read={trends} />
    </>
  );
}

import { useRef } from "react";
import type { Diagnosis } from "../../../bindings/Diagnosis";
import type { Icd10Code } from "../../../bindings/Icd10Code";
import { searchIcd10 } from "../../../lib/ipc";
import { DraftText } from "../DraftText";
import { KEYMAP, matches } from "../../../lib/keymap";
import { digitIndex, usePageKeys } from "../keys";
import { TypeAhead } from "../TypeAhead";
import { Kbd, PageHeading, SaveRefusal, type PageProps } from "./common";

export const ICD10_LIMIT = 20;

export function AssessmentPage({ api, onError }: PageProps) {
  const { view, draft } = api;
  const assessment = draft.assessment;
  const suggested = view.suggested_codes;
  const searchRef = useRef<HTMLInputElement>(null);
  const has = (code: string) => assessment.diagnoses.some((d) => d.code === code);

  function setDiagnoses(diagnoses: Diagnosis[]) {
    void api.update({ section: "assessment", ...assessment, diagnoses });
  }

  function toggle(code: Icd10Code) {
    setDiagnoses(
      has(code.code)
        ? assessment.diagnoses.filter((d) => d.code !== code.code)
        : [...assessment.diagnoses, { code: code.code, description: code.description, billable: code.billable }],
    );
  }

  function add(code: Icd10Code) {
    if (!has(code.code)) toggle(code);
  }

  usePageKeys((event) => {
    const index = digitIndex(event);
    if (index !== null) {
      const code = suggested[index];
      if (!code) return false;
      toggle(code);
      return true;
    }
    if (matches(KEYMAP.assessment.shortcuts.search, event)) {
      searchRef.current?.focus();
      return true;
    }
    return false;
  });

  return (
    <>
      <PageHeading>Assessment</PageHeading>

      {suggested.length > 0 && (
        <section aria-labelledby="suggested-heading">
          <h3 id="suggested-heading" className="section-label">
            Suggested from the chief complaint
          </h3>
          <div className="code-buttons">
            {suggested.map((code, index) => (
              <button
                key={code.code}
                type="button"
                className={code.billable ? "code-button" : "code-button is-dim"}
                aria-pressed={has(code.code)}
                data-testid={`suggested-${code.code}`}
                onClick={() => toggle(code)}
              >
                {index < 9 ? <Kbd>{index + 1}</Kbd> : <span className="option-key-blank" aria-hidden="true" />}
                <code className="code">{code.code}</code>
                <span className="code-description">{code.description}</span>
                {!code.billable && <span className="not-billable">not billable</span>}
              </button>
            ))}
          </div>
        </section>
      )}

      <TypeAhead<Icd10Code>
        id="icd10-search"
        label="Search ICD-10-CM"
        keyHint="/"
        placeholder="Code or words, e.g. J02 or strep"
        inputRef={searchRef}
        search={(q) => searchIcd10(q, ICD10_LIMIT)}
        itemKey={(c) => c.code}
        isDim={(c) => !c.billable}
        isChosen={(c) => has(c.code)}
        renderItem={(c) => (
          <>
            <code className="code">{c.code}</code> <span>{c.description}</span>
            {c.billable ? (
              <span className="billable">billable</span>
            ) : (
              <span className="not-billable">not billable</span>
            )}
          </>
        )}
        onPick={add}
        onError={onError}
      />

      <section aria-labelledby="diagnoses-heading">
        <h3 id="diagnoses-heading" className="section-label">
          Diagnoses
        </h3>
        {assessment.diagnoses.length === 0 ? (
          <p className="none">No diagnosis yet.</p>
        ) : (
          <ul className="chosen-list" data-testid="diagnoses">
            {assessment.diagnoses.map((d) => (
              <li key={d.code} className={d.billable ? undefined : "is-dim"}>
                <code className="code">{d.code}</code>
                <span className="chosen-main">{d.description}</span>
                {!d.billable && <span className="not-billable">not billable — choose a more specific code</span>}
                <button
                  type="button"
                  className="button button-quiet button-small"
                  aria-label={`Remove ${d.code} ${d.description}`}
                  onClick={() => setDiagnoses(assessment.diagnoses.filter((x) => x.code !== d.code))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <DraftText
        id="assessment-narrative"
        label="Assessment narrative"
        multiline
        rows={3}
        value={assessment.narrative}
        onChange={(narrative) => void api.update({ section: "assessment", ...assessment, narrative })}
      />

      <SaveRefusal api={api} section="assessment" />
    </>
  );
}

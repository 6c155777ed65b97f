import type { Patient } from "../../bindings/Patient";

interface Props {
  patient: Patient;
  /** Prefixes the headings' ids: the chart and the thread screen may both be in the page. */
  idPrefix?: string;
  /** One column (a side panel) instead of medications and problems side by side. */
  stacked?: boolean;
}

/** Allergies first (red when there are any), then medications and problems. */
export function ClinicalLists({ patient, idPrefix = "", stacked = false }: Props) {
  const { allergies, medications, problems } = patient;
  const lists = (
    <>
      <section className="clinical" aria-labelledby={`${idPrefix}medications-heading`}>
        <h2 id={`${idPrefix}medications-heading`}>Medications</h2>
        {medications.length === 0 ? (
          <p className="none">No medications recorded</p>
        ) : (
          <ul className="item-list item-list-stacked">
            {medications.map((m, i) => (
              <li key={`${m.name}-${i}`}>
                <span className="item-main">{m.name}</span>
                {m.dosage && <span className="item-detail">{m.dosage}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="clinical" aria-labelledby={`${idPrefix}problems-heading`}>
        <h2 id={`${idPrefix}problems-heading`}>Problems</h2>
        {problems.length === 0 ? (
          <p className="none">No problems recorded</p>
        ) : (
          <ul className="item-list">
            {problems.map((p, i) => (
              <li key={`${p.description}-${i}`}>
                <span className="item-main">{p.description}</span>
                {p.icd10 && <code className="code">{p.icd10}</code>}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );

  return (
    <>
      <section
        className={allergies.length === 0 ? "clinical allergies allergies-none" : "clinical allergies"}
        aria-labelledby={`${idPrefix}allergies-heading`}
      >
        <h2 id={`${idPrefix}allergies-heading`}>Allergies</h2>
        {allergies.length === 0 ? (
          <p className="none">No known allergies</p>
        ) : (
          <ul className="allergy-list">
            {allergies.map((a, i) => (
              <li key={`${a.substance}-${i}`}>
                <span className="allergy-substance">{a.substance}</span>
                {a.reaction && <span className="allergy-reaction"> — {a.reaction}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      {stacked ? lists : <div className="clinical-columns">{lists}</div>}
    </>
  );
}

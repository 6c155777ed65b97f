import type { Patient } from "../../bindings/Patient";
import { channelLabel, formatAge, formatDate, formatPhone, sexLabel } from "../../lib/format";
import { displayName } from "./names";

export function PatientBanner({ patient }: { patient: Patient }) {
  const age = formatAge(patient.birth_date);
  const { guardian, allergies, medications, problems } = patient;

  return (
    <article className="banner" data-testid="patient-banner" aria-labelledby="banner-name">
      <header className="banner-header">
        <h1 id="banner-name" className="banner-name" data-testid="banner-name">
          {displayName(patient)}
        </h1>
        <p className="banner-facts">
          <span className="banner-age">{age ? `${age} · ${sexLabel(patient.sex)}` : sexLabel(patient.sex)}</span>
          <span>
            <span className="label">DOB</span> {formatDate(patient.birth_date)}
          </span>
          <span>
            <span className="label">MRN</span> {patient.mrn}
          </span>
          <span>Located in {patient.current_state}</span>
        </p>
        <p className="banner-facts banner-contact">
          <span>{patient.phone ? formatPhone(patient.phone) : "No phone on file"}</span>
          {patient.email && <span>{patient.email}</span>}
          <span>Prefers {channelLabel(patient.preferred_channel).toLowerCase()}</span>
        </p>
        {guardian && (
          <p className="banner-guardian">
            <span className="label">Guardian</span> {guardian.name} ({guardian.relationship}) ·{" "}
            {formatPhone(guardian.phone)}
          </p>
        )}
      </header>

      <section
        className={allergies.length === 0 ? "clinical allergies allergies-none" : "clinical allergies"}
        aria-labelledby="allergies-heading"
      >
        <h2 id="allergies-heading">Allergies</h2>
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

      <div className="clinical-columns">
        <section className="clinical" aria-labelledby="medications-heading">
          <h2 id="medications-heading">Medications</h2>
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

        <section className="clinical" aria-labelledby="problems-heading">
          <h2 id="problems-heading">Problems</h2>
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
      </div>
    </article>
  );
}

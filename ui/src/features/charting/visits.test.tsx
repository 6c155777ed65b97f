import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { PatientChart } from "../../bindings/PatientChart";
import type { Section } from "../../bindings/Section";
import { fakeCharting, viewFor } from "../../test/charting";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { MIA, PHYSICIAN_SESSION, SESSION, THOMAS, TODAY, findFixture, searchFixtures, todayAt } from "../../test/fixtures";

const search: Handler = ({ query, limit }) => searchFixtures(String(query), Number(limit));
const getPatient: Handler = ({ id }) => findFixture(String(id)) ?? failure("not_found", `no patient ${String(id)}`);

function chartOf(id: string, extra: Partial<PatientChart> = {}): PatientChart {
  return {
    patient: findFixture(id)!,
    encounters: [],
    encounter_count: 0,
    open_draft: null,
    latest_vitals: [],
    ...extra,
  };
}

function renderApp(handlers: Record<string, Handler>) {
  const core = installCore({
    session: () => SESSION,
    search_patients: search,
    get_patient: getPatient,
    patient_chart: ({ patientId }) => chartOf(String(patientId)),
    ...handlers,
  });
  render(<App />);
  return core;
}

async function open(name: string) {
  const user = userEvent.setup();
  const row = (await screen.findAllByTestId("patient-row")).find((r) => r.textContent?.includes(name))!;
  await user.click(row);
  await screen.findByTestId("patient-visits");
  return user;
}

const page = () => document.querySelector("[data-page]")?.getAttribute("data-page");

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("the patient's visits", () => {
  it("lists past encounters and latest vitals under the banner", async () => {
    renderApp({
      patient_chart: () =>
        chartOf(THOMAS.id, {
          encounters: [
            {
              id: "enc-old",
              started_at: new Date(2026, 1, 3, 10, 0).toISOString(),
              mode: "in_person",
              status: "signed",
              chief_complaints: ["bp_followup"],
              author_name: "Dr. Obi",
            },
          ],
          encounter_count: 1,
          latest_vitals: [
            { loinc: "8480-6", label: "Systolic pressure", value: 138, unit: "mm[Hg]", effective_at: todayAt(8, 0) },
          ],
        }),
    });
    await open("Nguyen");
    const visits = screen.getByTestId("patient-visits");
    const row = within(visits).getByTestId("encounter-row");
    expect(row).toHaveTextContent("02/03/2026");
    expect(row).toHaveTextContent("In person");
    expect(row).toHaveTextContent("Bp followup");
    expect(row).toHaveTextContent("Signed");
    expect(row).toHaveTextContent("Dr. Obi");
    expect(visits).toHaveTextContent("Systolic pressure138 mmHg08:00");
    expect(within(visits).queryByRole("button", { name: "Resume draft" })).not.toBeInTheDocument();
  });

  it("starts an adult video visit with New visit, and Escape returns to the patient", async () => {
    const fake = fakeCharting();
    const core = renderApp(fake.handlers);
    const user = await open("Nguyen");

    await user.click(screen.getByTestId("new-visit"));

    await waitFor(() => expect(page()).toBe("complaint"));
    expect(core.argsOf("start_encounter")).toEqual([{ patientId: THOMAS.id, serviceLine: "adult_primary", mode: "video" }]);
    expect(core.argsOf("complaints")).toEqual([{ serviceLine: "adult_primary" }]);
    expect(screen.getByTestId("patient-banner")).not.toBeVisible();
    expect(screen.getByRole("heading", { name: "Chief complaint" })).toHaveFocus();

    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("charting")).not.toBeInTheDocument());
    expect(screen.getByTestId("patient-banner")).toBeVisible();
    await waitFor(() => expect(screen.getByTestId("new-visit")).toHaveFocus());
    // The chart is read again on return.
    expect(core.argsOf("patient_chart")).toHaveLength(2);

    // n starts a visit when focus is not in a text field; in the search box it is just typing.
    await user.keyboard("n");
    await waitFor(() => expect(core.argsOf("start_encounter")).toHaveLength(2));
    await waitFor(() => expect(page()).toBe("complaint"));
  });

  it("defaults a child to the pediatric line, asynchronous", async () => {
    const fake = fakeCharting({ patient: MIA });
    const core = renderApp(fake.handlers);
    const user = await open("Lopez");
    await user.click(screen.getByTestId("new-visit"));
    await waitFor(() => expect(core.argsOf("start_encounter")).toHaveLength(1));
    expect(core.argsOf("start_encounter")[0]).toEqual({ patientId: MIA.id, serviceLine: "pediatric_sms", mode: "async" });
  });

  it("resumes the open draft, and opens a past encounter read-only", async () => {
    const fake = fakeCharting();
    const past = viewFor(THOMAS, {});
    const core = renderApp({
      ...fake.handlers,
      patient_chart: () =>
        chartOf(THOMAS.id, {
          open_draft: "enc-1",
          encounters: [
            { id: "enc-1", started_at: todayAt(9, 0), mode: "video", status: "draft", chief_complaints: [], author_name: "Ana Ruiz, NP" },
            { id: "enc-0", started_at: todayAt(8, 0), mode: "phone", status: "signed", chief_complaints: ["cough"], author_name: "Dr. Obi" },
          ],
          encounter_count: 2,
        }),
      get_encounter: ({ encounterId }) =>
        encounterId === "enc-0"
          ? {
              ...past,
              note: "Chief complaint: Cough.",
              encounter: { ...past.encounter, id: "enc-0", author_id: "pr-obi", status: "signed", signed_by: "pr-obi", signed_at: todayAt(8, 20), content_hash: "feedc0ffee00112233" },
            }
          : fake.view(),
    });
    const user = await open("Nguyen");

    await user.click(screen.getByRole("button", { name: "Resume draft" }));
    await waitFor(() => expect(page()).toBe("complaint"));
    expect(core.argsOf("get_encounter")).toEqual([{ encounterId: "enc-1" }]);
    await user.keyboard("{Escape}");

    const rows = await screen.findAllByTestId("encounter-row");
    expect(rows[0]).toHaveTextContent("Your draft");
    await user.click(rows[1]!);
    await waitFor(() => expect(page()).toBe("review"));
    expect(screen.getByTestId("signed-line")).toHaveTextContent("Signed by Dr. Obi at 08:20 · feedc0ffee00");
    expect(screen.getByTestId("note")).toHaveTextContent("Chief complaint: Cough.");
    expect(screen.getByTestId("step-complaint")).toBeDisabled();
  });
});

describe("co-signing from the patient's visits", () => {
  it("lets a physician open an NP's signed note from the history, co-sign it and add an addendum", async () => {
    const base = viewFor(THOMAS, {});
    const fake = fakeCharting({
      practitioner: PHYSICIAN_SESSION.practitioner,
      view: {
        ...base,
        note: "Chief complaint: Cough.",
        encounter: {
          ...base.encounter,
          id: "enc-np",
          status: "signed",
          note: "Chief complaint: Cough.",
          signed_by: SESSION.practitioner.id,
          signed_at: todayAt(8, 20),
          content_hash: "feedc0ffee00112233",
          cosign_required: true,
        },
      },
    });
    const core = renderApp({
      ...fake.handlers,
      session: () => PHYSICIAN_SESSION,
      patient_chart: () =>
        chartOf(THOMAS.id, {
          encounters: [
            { id: "enc-np", started_at: todayAt(8, 0), mode: "video", status: "signed", chief_complaints: ["cough"], author_name: "Ana Ruiz, NP" },
          ],
          encounter_count: 1,
        }),
    });
    const user = await open("Nguyen");

    await user.click(await screen.findByTestId("encounter-row"));
    await waitFor(() => expect(page()).toBe("review"));
    expect(screen.getByTestId("signed-line")).toHaveTextContent("Signed by Ana Ruiz, NP at 08:20");
    expect(screen.getByTestId("cosign-line")).toHaveTextContent("Co-signature required: waiting for a physician licensed in OR");

    await user.click(screen.getByTestId("cosign"));
    await waitFor(() =>
      expect(screen.getByTestId("cosign-line")).toHaveTextContent("Co-signed by Dr. Kemi Obi, MD at 09:30 · waiting to sync"),
    );
    expect(core.argsOf("cosign_encounter")).toEqual([{ encounterId: "enc-np" }]);

    await user.type(screen.getByTestId("addendum"), "Agree with the plan.");
    await user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(core.argsOf("add_addendum")).toEqual([{ encounterId: "enc-np", text: "Agree with the plan." }]));
    expect(await screen.findByRole("region", { name: "Addenda" })).toHaveTextContent("Dr. Kemi Obi, MD · 09:45");
  });
});

describe("the reference sore-throat visit", () => {
  it("charts from the patient panel to a signed note with an addendum in 15 non-text interactions", async () => {
    const fake = fakeCharting();
    const core = renderApp(fake.handlers);
    const user = await open("Nguyen");
    let interactions = 0;
    const key = async (keys: string) => {
      interactions += 1;
      await user.keyboard(keys);
    };
    const NEXT = "{Control>}{Enter}{/Control}";

    interactions += 1;
    await user.click(screen.getByTestId("new-visit")); // 1 New visit
    await waitFor(() => expect(page()).toBe("complaint"));
    await key("1"); // 2 Sore throat
    await key(NEXT); // 3
    expect(page()).toBe("history");
    await key("b"); // 4 Onset: 1-2 days
    await key(NEXT); // 5
    expect(page()).toBe("systems");
    await key("n"); // 6 all normal
    await key("8"); // 7 exam: throat
    await key("b"); // 8 tonsillar exudate
    await key(NEXT); // 9
    expect(page()).toBe("vitals");
    await user.keyboard("101.2"); // text
    await key(NEXT); // 10
    expect(page()).toBe("assessment");
    await key("1"); // 11 J02.9
    await key(NEXT); // 12
    expect(page()).toBe("plan");
    await user.keyboard("Salt-water gargles, fluids, return if unable to swallow."); // text
    await key(NEXT); // 13
    expect(page()).toBe("review");
    await waitFor(() => expect(screen.getByText("Ready to sign.")).toBeInTheDocument());
    await key(NEXT); // 14 sign
    await waitFor(() => expect(screen.getByTestId("addendum")).toHaveFocus());
    await user.keyboard("Rapid strep positive; amoxicillin sent."); // text
    await key(NEXT); // 15 save addendum

    await waitFor(() => expect(core.argsOf("add_addendum")).toHaveLength(1));
    expect(interactions).toBe(15);

    const draft = fake.view().encounter.draft!;
    expect(draft.complaints.chosen).toEqual([{ code: "sore_throat", label: "Sore throat" }]);
    expect(draft.history.answers).toEqual([{ complaint: "sore_throat", prompt: "onset", label: "Onset", chosen: ["1-2 days"] }]);
    expect(draft.systems.ros.every((e) => e.status === "normal")).toBe(true);
    expect(draft.systems.ros).toHaveLength(6);
    expect(draft.systems.exam.map((e) => [e.system, e.status, e.findings])).toEqual([
      ["constitutional", "normal", []],
      ["throat", "abnormal", ["Tonsillar exudate"]],
      ["lymph", "normal", []],
      ["neck", "normal", []],
      ["respiratory", "normal", []],
    ]);
    expect(draft.vitals.temperature).toEqual({ value: 101.2, unit: "F" });
    expect(draft.assessment.diagnoses).toEqual([{ code: "J02.9", description: "Acute pharyngitis, unspecified", billable: true }]);
    expect(draft.plan.instructions).toBe("Salt-water gargles, fluids, return if unable to swallow.");
    expect(fake.view().encounter.status).toBe("amended");
    expect(core.argsOf("add_addendum")[0]).toEqual({ encounterId: "enc-1", text: "Rapid strep positive; amoxicillin sent." });
    // Every save carried a whole section.
    const sections = core.argsOf("save_section").map((a) => (a.section as Section).section);
    expect(new Set(sections)).toEqual(new Set(["complaints", "history", "systems", "vitals", "assessment", "plan"]));
  });
});

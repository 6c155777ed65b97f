import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Draft } from "../../bindings/Draft";
import type { EncounterView } from "../../bindings/EncounterView";
import type { Section } from "../../bindings/Section";
import type { SectionConflict } from "../../bindings/SectionConflict";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { ADULT_CATALOG, derive, emptyVitals, fakeCharting, viewFor, type FakeCharting } from "../../test/charting";
import { deferred, failure, installCore, type Deferred, type Handler } from "../../test/fakeCore";
import { PHYSICIAN_SESSION, SESSION, THOMAS, TODAY, todayAt } from "../../test/fixtures";
import { ChartingScreen } from "./ChartingScreen";
import { landingPage, type OpenedChart } from "./open";
import { WithQueries } from "../../test/query";

function opened(view: EncounterView, extra: Partial<OpenedChart> = {}): OpenedChart {
  return {
    view,
    catalog: ADULT_CATALOG,
    catalogError: null,
    readOnly: false,
    page: landingPage(view, false),
    authorName: null,
    ...extra,
  };
}

function renderChart(
  fake: FakeCharting,
  extra: Partial<OpenedChart> = {},
  overrides: Record<string, Handler> = {},
  session: SessionInfo = SESSION,
) {
  const core = installCore({ ...fake.handlers, ...overrides });
  const onClose = vi.fn();
  render(<ChartingScreen session={session} opened={opened(fake.view(), extra)} onClose={onClose} />, { wrapper: WithQueries });
  return { core, onClose, user: userEvent.setup() };
}

const page = () => document.querySelector("[data-page]")?.getAttribute("data-page");
const saved = (core: ReturnType<typeof installCore>) => core.argsOf("save_section").map((a) => a.section as Section);
const lastSaved = <K extends Section["section"]>(core: ReturnType<typeof installCore>, key: K) =>
  saved(core)
    .filter((s): s is Extract<Section, { section: K }> => s.section === key)
    .at(-1);

const SORE_THROAT_CHOSEN: Partial<Draft> = { complaints: { chosen: [{ code: "sore_throat", label: "Sore throat" }] } };

/** A draft that can be signed: every required page has something. */
function completeDraft(): Partial<Draft> {
  return {
    ...SORE_THROAT_CHOSEN,
    history: { answers: [{ complaint: "sore_throat", prompt: "onset", label: "Onset", chosen: ["1-2 days"] }], narrative: "" },
    systems: {
      ros: [],
      exam: [
        {
          system: "throat",
          label: "Throat",
          status: "abnormal",
          normal_text: "Pharynx without erythema or exudate; uvula midline",
          findings: ["Tonsillar exudate"],
          note: "",
        },
      ],
      narrative: "",
    },
    assessment: { diagnoses: [{ code: "J02.9", description: "Acute pharyngitis, unspecified", billable: true }], narrative: "" },
    plan: { labs: [], medications: [], instructions: "Fluids and rest.", follow_up: "", tasks: [] },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("landing and navigation", () => {
  it("lands on the chief complaint when licensed, with Context still on the progress bar", async () => {
    renderChart(fakeCharting());
    expect(page()).toBe("complaint");
    expect(screen.getByTestId("step-complaint")).toHaveAttribute("aria-current", "step");
    expect(screen.getByTestId("step-context")).toHaveTextContent("Context");
    expect(screen.getByTestId("step-context")).toHaveTextContent("(complete)");
    expect(screen.getByRole("heading", { name: "Chief complaint" })).toHaveFocus();
    expect(screen.getAllByRole("button", { pressed: false }).filter((b) => b.dataset.testid?.startsWith("complaint-"))).toHaveLength(12);
  });

  it("lands on Context when the clinician holds no license there, and offers a hand-off", async () => {
    const task = {
      id: "task-9",
      kind: "hand_off",
      patient_id: THOMAS.id,
      queue: "physician",
      license_state: "OR",
      priority: "routine",
      status: "ready",
      owner_id: null,
      description: "Hand-off: sore throat visit",
      due_at: new Date(2026, 3, 20, 13, 0).toISOString(),
      version: 1,
    };
    const { core, user } = renderChart(fakeCharting({ licensed: false }), {}, { hand_off_encounter: () => task });
    expect(page()).toBe("context");
    const license = screen.getByTestId("license");
    expect(license).toHaveClass("license-alert");
    expect(license).toHaveTextContent("No active license in OR");

    await user.type(within(license).getByLabelText("Note for the clinician who takes over"), "Seen on video, needs OR license");
    await user.click(within(license).getByRole("button", { name: "Hand off" }));

    expect(await screen.findByTestId("handoff-task")).toHaveTextContent(
      "Handed off: a task is in the physician queue for a clinician licensed in OR, due 13:00.",
    );
    expect(core.argsOf("hand_off_encounter")).toEqual([{ encounterId: "enc-1", note: "Seen on video, needs OR license" }]);
  });

  it("moves with Ctrl+Enter, PageUp, Alt+digit and Alt+arrows, also from inside a text field", async () => {
    const { core, onClose, user } = renderChart(fakeCharting({ view: viewFor(THOMAS, { draft: SORE_THROAT_CHOSEN }) }));
    expect(page()).toBe("history");

    await user.keyboard("{PageUp}");
    expect(page()).toBe("complaint");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(page()).toBe("history");
    expect(screen.getByTestId("step-history")).toHaveAttribute("aria-current", "step");
    expect(screen.getByTestId("step-complaint")).not.toHaveAttribute("aria-current");

    await user.keyboard("{Alt>}5{/Alt}");
    expect(page()).toBe("vitals");
    // Vitals focuses its first field: the combos still work from there.
    expect(screen.getByLabelText("Temperature")).toHaveFocus();
    await user.keyboard("{Alt>}{ArrowLeft}{/Alt}");
    expect(page()).toBe("systems");
    await user.keyboard("{Alt>}{ArrowRight}{/Alt}{Alt>}{ArrowRight}{/Alt}");
    expect(page()).toBe("assessment");
    await user.keyboard("{Alt>}8{/Alt}");
    expect(page()).toBe("review");
    await user.keyboard("{Alt>}1{/Alt}");
    expect(page()).toBe("context");
    await user.click(screen.getByTestId("step-plan"));
    expect(page()).toBe("plan");
    expect(screen.getByLabelText("Patient instructions")).toHaveFocus();
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(page()).toBe("review");

    // Escape leaves a text field first, then closes the chart.
    await user.keyboard("{Alt>}2{/Alt}{Control>}{Enter}{/Control}t");
    expect(screen.getByLabelText(/Narrative/)).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(onClose).not.toHaveBeenCalled();
    expect(screen.getByLabelText(/Narrative/)).not.toHaveFocus();
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledTimes(1);

    // Moving between pages never asks the core for anything: the vitals page's trends were read
    // once, as the chart opened.
    expect(core.calls.filter((c) => c.cmd !== "save_section")).toEqual([
      { cmd: "vital_trends", args: { patientId: THOMAS.id } },
    ]);
  });
});

describe("chief complaint", () => {
  it("toggles the numbered complaints with digit keys and saves the whole section each time", async () => {
    const { core, user } = renderChart(fakeCharting());

    await user.keyboard("1");
    expect(screen.getByTestId("complaint-sore_throat")).toHaveAttribute("aria-pressed", "true");
    await user.keyboard("2");
    await waitFor(() => expect(core.argsOf("save_section")).toHaveLength(2));
    expect(saved(core)).toEqual([
      { section: "complaints", chosen: [{ code: "sore_throat", label: "Sore throat" }] },
      {
        section: "complaints",
        chosen: [
          { code: "sore_throat", label: "Sore throat" },
          { code: "cough", label: "Cough" },
        ],
      },
    ]);
    expect(core.argsOf("save_section")[0]).toMatchObject({ encounterId: "enc-1" });

    await user.keyboard("1");
    await waitFor(() => expect(lastSaved(core, "complaints")).toEqual({ section: "complaints", chosen: [{ code: "cough", label: "Cough" }] }));
    expect(screen.getByTestId("complaint-sore_throat")).toHaveAttribute("aria-pressed", "false");
    const chips = screen.getByRole("region", { name: "Chosen" });
    expect(within(chips).getByRole("button", { name: "Remove Cough" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("step-complaint")).toHaveTextContent("(complete)"));
  });

  it("finds the rest of the catalog under More… (m)", async () => {
    const { core, user } = renderChart(fakeCharting());
    expect(screen.queryByTestId("complaint-ear_pain")).not.toBeInTheDocument();

    await user.keyboard("m");
    const search = await screen.findByRole("combobox", { name: "Search all complaints" });
    await waitFor(() => expect(search).toHaveFocus());
    await user.keyboard("ear");
    await user.keyboard("{Enter}");

    await waitFor(() => expect(lastSaved(core, "complaints")).toEqual({ section: "complaints", chosen: [{ code: "ear_pain", label: "Ear pain" }] }));
    expect(within(screen.getByRole("region", { name: "Chosen" })).getByText("Ear pain")).toBeInTheDocument();
  });
});

describe("history", () => {
  it("picks a prompt with a digit and its answers with letters; several-answer prompts toggle", async () => {
    const { core, user } = renderChart(fakeCharting({ view: viewFor(THOMAS, { draft: SORE_THROAT_CHOSEN }) }));
    expect(page()).toBe("history");
    expect(screen.getByTestId("hpi-onset")).toHaveAttribute("aria-current", "true");

    // The first prompt is picked on arrival: b = "1-2 days".
    await user.keyboard("b");
    await waitFor(() =>
      expect(lastSaved(core, "history")?.answers).toEqual([
        { complaint: "sore_throat", prompt: "onset", label: "Onset", chosen: ["1-2 days"] },
      ]),
    );
    // Single-choice: another letter replaces.
    await user.keyboard("c");
    await user.keyboard("3ad");
    expect(screen.getByTestId("hpi-associated")).toHaveAttribute("aria-current", "true");
    await waitFor(() =>
      expect(lastSaved(core, "history")).toEqual({
        section: "history",
        narrative: "",
        answers: [
          { complaint: "sore_throat", prompt: "onset", label: "Onset", chosen: ["3-6 days"] },
          { complaint: "sore_throat", prompt: "associated", label: "Associated", chosen: ["Fever", "Swollen glands"] },
        ],
      }),
    );
    await user.keyboard("a");
    await waitFor(() => expect(lastSaved(core, "history")?.answers[1]?.chosen).toEqual(["Swollen glands"]));
    const associated = screen.getByTestId("hpi-associated");
    expect(within(associated).getByRole("button", { name: /Fever/ })).toHaveAttribute("aria-pressed", "false");
    expect(within(associated).getByRole("button", { name: /Swollen glands/ })).toHaveAttribute("aria-pressed", "true");

    expect(screen.getByRole("region", { name: "Escalate if…" })).toHaveTextContent("Stridor or trouble breathing");
    await user.keyboard("t");
    expect(screen.getByLabelText(/Narrative/)).toHaveFocus();
  });
});

describe("review of systems and exam", () => {
  it("n marks every undocumented system normal; digit + letter charts a finding; Backspace clears", async () => {
    const { core, user } = renderChart(fakeCharting({ view: viewFor(THOMAS, { draft: SORE_THROAT_CHOSEN }) }), {
      page: "systems",
    });
    const rows = () => document.querySelectorAll("[data-testid^='system-'][data-status]");
    expect(rows()).toHaveLength(11);

    await user.keyboard("n");
    await waitFor(() => expect(lastSaved(core, "systems")?.ros).toHaveLength(6));
    const allNormal = lastSaved(core, "systems")!;
    expect(allNormal.exam).toHaveLength(5);
    expect([...allNormal.ros, ...allNormal.exam].every((e) => e.status === "normal")).toBe(true);
    expect(allNormal.ros[0]).toEqual({
      system: "constitutional",
      label: "Constitutional",
      status: "normal",
      normal_text: "No fever, chills or fatigue",
      findings: [],
      note: "",
    });

    // Row 8 is the exam's throat (6 review-of-systems rows first); b = Tonsillar exudate.
    await user.keyboard("8b");
    await waitFor(() =>
      expect(lastSaved(core, "systems")?.exam[1]).toMatchObject({
        system: "throat",
        status: "abnormal",
        findings: ["Tonsillar exudate"],
      }),
    );
    expect(screen.getByTestId("system-exam:throat")).toHaveAttribute("data-status", "abnormal");
    // Removing the last finding makes the system undocumented again.
    await user.keyboard("b");
    await waitFor(() => expect(lastSaved(core, "systems")?.exam.map((e) => e.system)).not.toContain("throat"));
    expect(screen.getByTestId("system-exam:throat")).toHaveAttribute("data-status", "undocumented");

    await user.keyboard("1{Backspace}");
    await waitFor(() => expect(lastSaved(core, "systems")?.ros.map((e) => e.system)).not.toContain("constitutional"));
  });
});

describe("vitals", () => {
  it("shows a refusal under the field, keeps the typed text, and still saves the other fields", async () => {
    const { core, user } = renderChart(fakeCharting({ view: viewFor(THOMAS, { draft: SORE_THROAT_CHOSEN }) }), {
      page: "vitals",
    });
    const temperature = screen.getByLabelText("Temperature");
    expect(temperature).toHaveFocus();

    const heartRate = screen.getByLabelText("Heart rate");
    await user.type(heartRate, "900");
    expect(await screen.findByText("Heart rate 900 is not possible (expected 20 to 300 /min)")).toBeInTheDocument();
    expect(heartRate).toHaveValue("900");
    expect(heartRate).toHaveAttribute("aria-invalid", "true");

    await user.type(temperature, "101.5");
    await waitFor(() => expect(lastSaved(core, "vitals")?.temperature).toEqual({ value: 101.5, unit: "F" }));
    // The impossible heart rate is not sent again, and its message and text stay.
    expect(lastSaved(core, "vitals")?.heart_rate).toBeNull();
    expect(heartRate).toHaveValue("900");
    expect(screen.getByText("Heart rate 900 is not possible (expected 20 to 300 /min)")).toBeInTheDocument();
    // The view's out-of-range flag shows by its field.
    expect(await screen.findByText("Temperature 101.5 is high for an adult (normal 36–38)")).toBeInTheDocument();

    // The text survives a visit to another page.
    await user.keyboard("{Alt>}4{/Alt}{Alt>}5{/Alt}");
    expect(screen.getByLabelText("Heart rate")).toHaveValue("900");
    expect(screen.getByLabelText("Temperature")).toHaveValue("101.5");

    await user.clear(screen.getByLabelText("Heart rate"));
    await user.type(screen.getByLabelText("Heart rate"), "88");
    await waitFor(() => expect(lastSaved(core, "vitals")).toMatchObject({ heart_rate: 88, temperature: { value: 101.5, unit: "F" } }));
    expect(screen.queryByText(/is not possible/)).not.toBeInTheDocument();
  });
});

describe("autosave", () => {
  it("keeps one save per section in flight and then sends only the newest value", async () => {
    const fake = fakeCharting({ view: viewFor(THOMAS, { draft: SORE_THROAT_CHOSEN }) });
    const pending: Array<{ section: Section; answer: Deferred<EncounterView> }> = [];
    const { core, user } = renderChart(fake, {}, {
      save_section: ({ section }) => {
        const answer = deferred<EncounterView>();
        pending.push({ section: section as Section, answer });
        return answer.promise;
      },
    });
    const narrative = screen.getByLabelText(/Narrative/);
    await user.type(narrative, "Sore");

    expect(core.argsOf("save_section")).toHaveLength(1);
    expect(pending[0]!.section).toMatchObject({ section: "history", narrative: "S" });
    expect(screen.getByTestId("save-status")).toHaveTextContent("Saving…");

    // The first answer arrives after more typing: the text is not replaced by the old answer.
    const first = fake.handlers.save_section!({ encounterId: "enc-1", section: pending[0]!.section }) as EncounterView;
    await act(async () => pending[0]!.answer.resolve(first));
    expect(narrative).toHaveValue("Sore");
    await waitFor(() => expect(core.argsOf("save_section")).toHaveLength(2));
    expect(pending[1]!.section).toMatchObject({ section: "history", narrative: "Sore" });

    const second = fake.handlers.save_section!({ encounterId: "enc-1", section: pending[1]!.section }) as EncounterView;
    await act(async () => pending[1]!.answer.resolve(second));
    await waitFor(() => expect(screen.getByTestId("save-status")).toHaveTextContent("Saved"));
    expect(core.argsOf("save_section")).toHaveLength(2);
    expect(narrative).toHaveValue("Sore");
    expect(screen.getByTestId("step-history")).toHaveTextContent("(complete)");
  });
});

describe("review and sign", () => {
  it("signs with Ctrl+Enter, says who and when, then takes an addendum with Ctrl+Enter", async () => {
    const fake = fakeCharting({ view: viewFor(THOMAS, { draft: completeDraft() }) });
    const { core, user } = renderChart(fake, { page: "review" });
    expect(page()).toBe("review");
    expect(screen.getByText("Ready to sign.")).toBeInTheDocument();
    expect(screen.getByTestId("note")).toHaveTextContent("Chief complaint: Sore throat.");
    expect(screen.getByText("99213")).toBeInTheDocument();

    await user.keyboard("{Control>}{Enter}{/Control}");

    expect(await screen.findByTestId("signed-line")).toHaveTextContent(
      "Signed by Ana Ruiz, NP at 09:42 · 3f2a9c1b7d4e · waiting to sync",
    );
    expect(core.argsOf("sign_encounter")).toEqual([{ encounterId: "enc-1" }]);
    const addendum = screen.getByTestId("addendum");
    await waitFor(() => expect(addendum).toHaveFocus());
    // Only the review page is left.
    expect(screen.getByTestId("step-history")).toBeDisabled();
    expect(screen.queryByTestId("sign")).not.toBeInTheDocument();

    await user.type(addendum, "Rapid strep came back positive.");
    await user.keyboard("{Control>}{Enter}{/Control}");

    await waitFor(() =>
      expect(core.argsOf("add_addendum")).toEqual([{ encounterId: "enc-1", text: "Rapid strep came back positive." }]),
    );
    const addenda = await screen.findByRole("region", { name: "Addenda" });
    expect(addenda).toHaveTextContent("Ana Ruiz, NP · 09:45");
    expect(addenda).toHaveTextContent("Rapid strep came back positive.");
    expect(addendum).toHaveValue("");
  });

  it("lists what blocks signing with links to the pages, and shows the core's refusal", async () => {
    const { core, user } = renderChart(fakeCharting({ view: viewFor(THOMAS, { draft: SORE_THROAT_CHOSEN }) }), { page: "review" });
    const blockers = screen.getByRole("region", { name: "Before signing" });
    expect(blockers).toHaveTextContent("History: needs the history (a prompt or narrative)");

    await user.click(screen.getByTestId("sign"));
    expect(await screen.findByRole("alert")).toHaveTextContent(/^Not signed: History: needs the history/);
    expect(core.argsOf("sign_encounter")).toHaveLength(1);

    await user.click(within(blockers).getByRole("button", { name: /Assessment: needs a diagnosis/ }));
    expect(page()).toBe("assessment");
  });
});

describe("conflicts", () => {
  function conflicted(): FakeCharting {
    const fake = fakeCharting();
    const base = viewFor(THOMAS, { draft: completeDraft() });
    const plan = base.encounter.draft!.plan;
    const conflicts: SectionConflict[] = [
      {
        client_seq: 41,
        section: "plan",
        theirs: { section: "plan", ...plan, instructions: "Salt-water gargles." },
        ours: { section: "plan", ...plan, instructions: "Fluids and rest." },
        message: "Plan was changed on another device",
      },
      {
        client_seq: 42,
        section: "vitals",
        theirs: { section: "vitals", ...emptyVitals(), heart_rate: 80 },
        ours: { section: "vitals", ...emptyVitals(), heart_rate: 84 },
        message: "Vitals were changed on another device",
      },
    ];
    fake.setView(derive({ ...base, conflicts }, true));
    return fake;
  }

  it("shows the conflicts side by side; Keep theirs sends null and Keep mine sends ours", async () => {
    const fake = conflicted();
    const { core, user } = renderChart(fake, { page: "review" });
    const banner = screen.getByTestId("conflict-banner");
    expect(banner).toHaveTextContent("Plan was changed on another device.");
    expect(banner).toHaveTextContent("Vitals was changed on another device.");

    await user.click(within(banner).getAllByRole("button", { name: "Compare versions" })[0]!);
    const dialog = screen.getByRole("dialog", { name: "Plan: two versions" });
    const theirs = within(dialog).getByRole("region", { name: "On the other device (theirs)" });
    const mine = within(dialog).getByRole("region", { name: "On this device (mine)" });
    expect(theirs).toHaveTextContent("Salt-water gargles.");
    expect(mine).toHaveTextContent("Fluids and rest.");

    await user.click(within(dialog).getByRole("button", { name: "Keep theirs" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(core.argsOf("settle_section_conflict")).toEqual([{ clientSeq: 41, section: null }]);
    expect(screen.getByTestId("conflict-banner")).not.toHaveTextContent("Plan was changed");

    await user.click(screen.getByRole("button", { name: "Compare versions" }));
    const vitals = screen.getByRole("dialog", { name: "Vitals: two versions" });
    expect(within(vitals).getByRole("region", { name: "On this device (mine)" })).toHaveTextContent("Heart rate 84 /min");
    await user.click(within(vitals).getByRole("button", { name: "Keep mine" }));
    await waitFor(() => expect(screen.queryByTestId("conflict-banner")).not.toBeInTheDocument());
    expect(core.argsOf("settle_section_conflict")[1]).toEqual({
      clientSeq: 42,
      section: { section: "vitals", ...emptyVitals(), heart_rate: 84 },
    });
  });

  it("Edit merge loads mine into the page, and the next change settles the conflict with the edit", async () => {
    const fake = conflicted();
    const { core, user } = renderChart(fake, { page: "plan" });
    const banner = screen.getByTestId("conflict-banner");
    expect(banner).toHaveTextContent("Plan was changed on another device.");
    expect(banner).not.toHaveTextContent("Vitals");

    await user.click(within(banner).getByRole("button", { name: "Compare versions" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Edit merge" }));
    const instructions = screen.getByLabelText("Patient instructions");
    expect(instructions).toHaveValue("Fluids and rest.");

    await user.type(instructions, " Salt-water gargles.");
    await waitFor(() => expect(core.argsOf("settle_section_conflict")).toHaveLength(1));
    expect(core.argsOf("settle_section_conflict")[0]).toMatchObject({
      clientSeq: 41,
      section: { section: "plan", instructions: "Fluids and rest. " },
    });
    // Once settled, further typing autosaves as usual.
    await waitFor(() => expect(lastSaved(core, "plan")?.instructions).toBe("Fluids and rest. Salt-water gargles."));
    expect(core.argsOf("settle_section_conflict")).toHaveLength(1);
    expect(instructions).toHaveValue("Fluids and rest. Salt-water gargles.");
  });
});

describe("a signed note opened from the history", () => {
  it("shows only the review page, with the signature and addenda", async () => {
    const fake = fakeCharting();
    const base = viewFor(THOMAS, { draft: completeDraft() });
    fake.setView({
      ...base,
      note: "Chief complaint: Sore throat.",
      unsynced: 0,
      encounter: {
        ...base.encounter,
        status: "amended",
        signed_at: new Date(2026, 2, 2, 14, 5).toISOString(),
        signed_by: "pr-other",
        content_hash: "00112233445566778899aabbccddeeff",
        addenda: [
          { id: "a1", author_id: SESSION.practitioner.id, text: "Called with results.", signed_at: new Date(2026, 2, 3, 8, 0).toISOString(), content_hash: "x" },
        ],
      },
    });
    renderChart(fake, { readOnly: true, page: "review", authorName: "Dr. Obi" });

    expect(page()).toBe("review");
    expect(screen.getByTestId("signed-line")).toHaveTextContent(/^Signed by another clinician at 03\/02\/2026 14:05 · 001122334455$/);
    expect(screen.getByRole("region", { name: "Addenda" })).toHaveTextContent("Ana Ruiz, NP · 03/03/2026 08:00Called with results.");
    expect(screen.getByTestId("step-context")).toBeDisabled();
    expect(screen.queryByTestId("next-page")).not.toBeInTheDocument();
    expect(screen.getByTestId("addendum")).not.toHaveFocus();
  });
});

describe("co-signature", () => {
  const COSIGN = "{Control>}{Shift>}{Enter}{/Shift}{/Control}";

  /** Ana Ruiz, NP signed this TX note yesterday; the organisation wants a physician's co-signature. */
  function npNote(encounter: Partial<EncounterView["encounter"]> = {}): EncounterView {
    const base = viewFor(THOMAS, { draft: completeDraft() });
    return {
      ...base,
      note: "Chief complaint: Sore throat.",
      unsynced: 0,
      encounter: {
        ...base.encounter,
        state_of_care: "TX",
        status: "signed",
        note: "Chief complaint: Sore throat.",
        signed_at: new Date(2026, 3, 19, 16, 10).toISOString(),
        signed_by: SESSION.practitioner.id,
        content_hash: "00112233445566778899aabbccddeeff",
        cosign_required: true,
        ...encounter,
      },
    };
  }

  function physician(licenses: SessionInfo["practitioner"]["licenses"]): SessionInfo {
    return { ...PHYSICIAN_SESSION, practitioner: { ...PHYSICIAN_SESSION.practitioner, licenses } };
  }

  const FROM_HISTORY: Partial<OpenedChart> = { readOnly: true, page: "review", authorName: "Ana Ruiz, NP" };

  it("offers a licensed physician Co-sign on a note from the history; Ctrl+Shift+Enter co-signs", async () => {
    const fake = fakeCharting({ view: npNote(), practitioner: PHYSICIAN_SESSION.practitioner });
    const { core, user } = renderChart(fake, FROM_HISTORY, {}, PHYSICIAN_SESSION);

    expect(screen.getByTestId("signed-line")).toHaveTextContent(/^Signed by Ana Ruiz, NP at 04\/19\/2026 16:10 · 001122334455$/);
    expect(screen.getByTestId("cosign-line")).toHaveTextContent(
      /^Co-signature required: waiting for a physician licensed in TX$/,
    );
    const button = screen.getByTestId("cosign");
    expect(button).toHaveTextContent("Co-sign");
    expect(button).toHaveAttribute("aria-keyshortcuts", "Control+Shift+Enter");
    expect(button.parentElement).toHaveTextContent("Ctrl+Shift+Enter");
    // Addenda still work on a note opened from the history.
    expect(screen.getByTestId("addendum")).toBeInTheDocument();

    await user.keyboard(COSIGN);

    await waitFor(() =>
      expect(screen.getByTestId("cosign-line")).toHaveTextContent(
        /^Co-signed by Dr\. Kemi Obi, MD at 09:30 · waiting to sync$/,
      ),
    );
    expect(core.argsOf("cosign_encounter")).toEqual([{ encounterId: "enc-1" }]);
    expect(screen.queryByTestId("cosign")).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    // What waits is the co-signature: the NP's signature is not said to wait.
    expect(screen.getByTestId("signed-line")).toHaveTextContent(/^Signed by Ana Ruiz, NP at 04\/19\/2026 16:10 · 001122334455$/);
    // Ctrl+Shift+Enter does nothing more, and Ctrl+Enter still means the addendum.
    await user.keyboard(COSIGN);
    expect(core.argsOf("cosign_encounter")).toHaveLength(1);
    expect(core.argsOf("add_addendum")).toEqual([]);
  });

  it("co-signs with a click, and says who co-signed once the core has it", async () => {
    const fake = fakeCharting({ view: npNote(), practitioner: PHYSICIAN_SESSION.practitioner });
    // This core shows the co-signature at once (as the server's copy will).
    const cosign: Handler = () => {
      const view = fake.view();
      const next = {
        ...view,
        encounter: { ...view.encounter, cosigned_by: PHYSICIAN_SESSION.practitioner.id, cosigned_at: todayAt(9, 31) },
        unsynced: 1,
      };
      fake.setView(next);
      return next;
    };
    const { core, user } = renderChart(fake, FROM_HISTORY, { cosign_encounter: cosign }, PHYSICIAN_SESSION);

    await user.click(screen.getByTestId("cosign"));

    await waitFor(() =>
      expect(screen.getByTestId("cosign-line")).toHaveTextContent(
        /^Co-signed by Dr\. Kemi Obi, MD at 09:31 · waiting to sync$/,
      ),
    );
    expect(core.argsOf("cosign_encounter")).toEqual([{ encounterId: "enc-1" }]);
    expect(screen.queryByTestId("cosign")).not.toBeInTheDocument();
  });

  it("names a co-signer other than the clinician signed in as a physician", () => {
    const fake = fakeCharting({
      view: npNote({ cosigned_by: "pr-zed", cosigned_at: new Date(2026, 3, 19, 18, 2).toISOString() }),
    });
    renderChart(fake, FROM_HISTORY);
    expect(screen.getByTestId("cosign-line")).toHaveTextContent(/^Co-signed by a physician at 04\/19\/2026 18:02$/);
    expect(screen.queryByTestId("cosign")).not.toBeInTheDocument();
  });

  it.each<[string, SessionInfo, Partial<EncounterView["encounter"]>]>([
    ["the nurse practitioner who signed", SESSION, {}],
    ["a physician without a TX license", physician(PHYSICIAN_SESSION.practitioner.licenses.filter((l) => l.state !== "TX")), {}],
    ["a physician whose TX license has expired", physician([{ state: "TX", license_type: "MD", number: "MD-5521", expires_on: "2026-04-19" }]), {}],
    ["the physician who signed the note", PHYSICIAN_SESSION, { signed_by: PHYSICIAN_SESSION.practitioner.id }],
  ])("shows %s the waiting line without the Co-sign button", async (_who, session, encounter) => {
    const fake = fakeCharting({ view: npNote(encounter), practitioner: session.practitioner });
    const { core, user } = renderChart(fake, FROM_HISTORY, {}, session);

    expect(screen.getByTestId("cosign-line")).toHaveTextContent(
      "Co-signature required: waiting for a physician licensed in TX",
    );
    expect(screen.queryByTestId("cosign")).not.toBeInTheDocument();
    await user.keyboard(COSIGN);
    expect(core.argsOf("cosign_encounter")).toEqual([]);
  });

  it("says nothing about co-signing on a note that does not need it", () => {
    const fake = fakeCharting({ view: npNote({ cosign_required: false }), practitioner: PHYSICIAN_SESSION.practitioner });
    renderChart(fake, FROM_HISTORY, {}, PHYSICIAN_SESSION);
    expect(screen.queryByTestId("cosign-line")).not.toBeInTheDocument();
    expect(screen.queryByTestId("cosign")).not.toBeInTheDocument();
  });

  it("shows the core's refusal inline and keeps the button", async () => {
    const fake = fakeCharting({ view: npNote(), practitioner: PHYSICIAN_SESSION.practitioner });
    const { core, user } = renderChart(
      fake,
      FROM_HISTORY,
      { cosign_encounter: () => failure("forbidden", "co-signing needs a physician licensed in TX") },
      PHYSICIAN_SESSION,
    );

    await user.click(screen.getByTestId("cosign"));

    expect(await screen.findByRole("alert")).toHaveTextContent(/^Not co-signed: co-signing needs a physician licensed in TX$/);
    expect(core.argsOf("cosign_encounter")).toHaveLength(1);
    expect(screen.getByTestId("cosign")).toBeEnabled();
    expect(screen.getByTestId("cosign-line")).toHaveTextContent("Co-signature required: waiting for a physician licensed in TX");
  });

  it("shows the NP who signs a note needing a co-signature that it waits for one", async () => {
    const fake = fakeCharting({ view: viewFor(THOMAS, { draft: completeDraft() }) });
    fake.setView({ ...fake.view(), encounter: { ...fake.view().encounter, cosign_required: true } });
    const { user } = renderChart(fake, { page: "review" });
    expect(screen.queryByTestId("cosign-line")).not.toBeInTheDocument();

    await user.keyboard("{Control>}{Enter}{/Control}");

    expect(await screen.findByTestId("cosign-line")).toHaveTextContent(
      /^Co-signature required: waiting for a physician licensed in OR$/,
    );
    expect(screen.queryByTestId("cosign")).not.toBeInTheDocument();
  });
});


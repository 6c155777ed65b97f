import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { BreakGlassView } from "../../bindings/BreakGlassView";
import type { Encounter } from "../../bindings/Encounter";
import type { Patient } from "../../bindings/Patient";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { MIA, SESSION, TODAY, searchFixtures, todayAt } from "../../test/fixtures";

/** A patient outside the clinician's care teams: not on the device. */
const ELENA: Patient = {
  ...MIA,
  id: "pt-elena",
  mrn: "200917",
  given_name: "Elena",
  family_name: "Ortiz",
  birth_date: "1984-02-03",
  guardian: null,
  allergies: [{ substance: "Sulfa drugs", reaction: "Rash" }],
  medications: [],
  problems: [],
};

function signedNote(id: string, day: number, note: string, overrides: Partial<Encounter> = {}): Encounter {
  return {
    id,
    patient_id: ELENA.id,
    author_id: "pr-other",
    mode: "video",
    service_line: "adult_primary",
    state_of_care: "CA",
    status: "signed",
    chief_complaints: ["sore_throat"],
    note,
    started_at: new Date(2026, 3, day, 14, 0).toISOString(),
    signed_at: new Date(2026, 3, day, 14, 20).toISOString(),
    version: 2,
    draft: null,
    signed_by: "pr-other",
    content_hash: "abc",
    cosign_required: false,
    cosigned_by: null,
    cosigned_at: null,
    addenda: [],
    ...overrides,
  };
}

const REASON = "Patient in ED, unconscious; need allergies";
const GRANT: BreakGlassView = {
  patient: ELENA,
  encounters: [
    signedNote("enc-2", 18, "Subjective:\n  Sore throat for 3 days.\nPlan:\n  Rapid strep."),
    signedNote("enc-1", 2, "Follow-up of cough.", { mode: "phone", chief_complaints: ["cough"] }),
  ],
  expires_at: todayAt(10, 0),
  reason: REASON,
};

async function renderApp(handlers: Record<string, Handler>) {
  const core = installCore({
    session: () => SESSION,
    search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
    ...handlers,
  });
  render(<App />);
  await screen.findAllByTestId("patient-row");
  return { core, user: userEvent.setup() };
}

async function askFor(user: ReturnType<typeof userEvent.setup>, mrn: string, reason: string) {
  await user.click(screen.getByRole("button", { name: "Emergency access…" }));
  const dialog = await screen.findByTestId("break-glass-dialog");
  await user.type(within(dialog).getByLabelText("MRN"), mrn);
  await user.type(within(dialog).getByLabelText("Reason"), reason);
  return dialog;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("break-glass", () => {
  it("is offered when a search finds nobody, and sends the MRN and reason with Ctrl+Enter", async () => {
    const { core, user } = await renderApp({ break_glass: () => GRANT });
    await user.type(screen.getByRole("combobox", { name: "Search patients" }), "200917");
    expect(await screen.findByText("Not your patient?")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Emergency access…" }));
    const dialog = await screen.findByTestId("break-glass-dialog");
    expect(dialog).toHaveAttribute("role", "dialog");
    expect(dialog).toHaveTextContent("Access is logged and reviewed, lasts 30 minutes, and is read-only.");
    expect(within(dialog).getByLabelText("MRN")).toHaveValue("200917");
    const reason = within(dialog).getByLabelText("Reason");
    expect(reason).toHaveFocus();

    // Too short a reason is not sent.
    await user.type(reason, "urgent");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(core.argsOf("break_glass")).toEqual([]);
    expect(reason).toHaveAttribute("aria-invalid", "true");

    await user.clear(reason);
    await user.type(reason, REASON);
    await user.keyboard("{Control>}{Enter}{/Control}");

    expect(await screen.findByTestId("break-glass-chart")).toBeInTheDocument();
    expect(core.argsOf("break_glass")).toEqual([{ mrn: "200917", reason: REASON }]);
    expect(screen.queryByTestId("break-glass-dialog")).not.toBeInTheDocument();
  });

  it("shows a refusal inline and stays open", async () => {
    const message = "you are not allowed emergency access; ask an administrator";
    const { core, user } = await renderApp({ break_glass: () => failure("forbidden", message) });
    const dialog = await askFor(user, "200917", REASON);
    await user.click(within(dialog).getByRole("button", { name: "Open read-only chart" }));

    expect(await within(dialog).findByRole("alert")).toHaveTextContent(message);
    expect(core.argsOf("break_glass")).toEqual([{ mrn: "200917", reason: REASON }]);
    expect(screen.getByTestId("break-glass-dialog")).toBeInTheDocument();
    expect(screen.queryByTestId("break-glass-chart")).not.toBeInTheDocument();
    expect(within(dialog).getByLabelText("Reason")).toHaveValue(REASON);
  });

  it("shows the chart read-only until the grant ends: banner, allergies first, signed notes", async () => {
    const { user } = await renderApp({ break_glass: () => GRANT });
    const dialog = await askFor(user, "200917", REASON);
    await user.click(within(dialog).getByRole("button", { name: "Open read-only chart" }));

    const chart = await screen.findByTestId("break-glass-chart");
    const title = "Emergency access — read-only — until 10:00";
    const heading = within(chart).getByRole("heading", { level: 2, name: title });
    expect(heading).toHaveFocus();
    expect(within(chart).getByRole("timer")).toHaveTextContent("30:00 left");
    expect(chart).toHaveTextContent(`Reason ${REASON}`);

    const banner = within(chart).getByTestId("patient-banner");
    expect(within(banner).getByTestId("banner-name")).toHaveTextContent("Ortiz, Elena");
    expect(banner).toHaveTextContent("42 y · Female");
    expect(banner).toHaveTextContent("MRN 200917");
    expect(banner).toHaveTextContent("Located in CA");
    const allergies = within(banner).getByRole("region", { name: "Allergies" });
    expect(allergies).toHaveTextContent("Sulfa drugs — Rash");
    const medications = within(banner).getByRole("region", { name: "Medications" });
    expect(allergies.compareDocumentPosition(medications) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    // Read-only: nothing to edit.
    expect(within(chart).queryByRole("button", { name: /Edit/ })).not.toBeInTheDocument();

    const notes = within(chart).getAllByTestId("break-glass-note");
    expect(notes).toHaveLength(2);
    expect(notes[0]).toHaveTextContent("04/18/2026VideoSore throat");
    const text = notes[0]!.querySelector("pre")!;
    expect(text.textContent).toBe("Subjective:\n  Sore throat for 3 days.\nPlan:\n  Rapid strep.");
    expect(notes[1]).toHaveTextContent("04/02/2026PhoneCough");
    expect(notes[1]).toHaveTextContent("Follow-up of cough.");

    await user.click(within(chart).getByRole("button", { name: "Close" }));
    expect(screen.queryByTestId("break-glass-chart")).not.toBeInTheDocument();
  });

  it("says access has ended after the expiry time, and a forbidden refresh ends it", async () => {
    const { core, user } = await renderApp({
      break_glass: () => GRANT,
      break_glass_chart: () => failure("forbidden", "emergency access has expired"),
    });
    const dialog = await askFor(user, "200917", REASON);
    await user.click(within(dialog).getByRole("button", { name: "Open read-only chart" }));
    const chart = await screen.findByTestId("break-glass-chart");
    expect(within(chart).getByRole("region", { name: "Allergies" })).toBeInTheDocument();

    vi.setSystemTime(new Date(2026, 3, 20, 10, 0, 1));

    expect(
      await within(chart).findByRole("heading", { name: "Emergency access has ended" }, { timeout: 3000 }),
    ).toBeInTheDocument();
    expect(chart).toHaveTextContent("Your emergency access to Ortiz, Elena ended at 10:00.");
    expect(within(chart).queryByTestId("patient-banner")).not.toBeInTheDocument();
    expect(within(chart).queryByTestId("break-glass-note")).not.toBeInTheDocument();
    expect(chart).not.toHaveTextContent("Sulfa drugs");

    await user.click(within(chart).getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(chart).toHaveTextContent("emergency access has expired"));
    expect(core.argsOf("break_glass_chart")).toEqual([{ patientId: ELENA.id }]);
    expect(within(chart).queryByRole("button", { name: "Refresh" })).not.toBeInTheDocument();
  });

  it("refreshes the chart from the server while the grant lasts", async () => {
    const later: BreakGlassView = {
      ...GRANT,
      encounters: [signedNote("enc-3", 20, "New note today.")],
      expires_at: todayAt(10, 5),
    };
    const { core, user } = await renderApp({ break_glass: () => GRANT, break_glass_chart: () => later });
    const dialog = await askFor(user, "200917", REASON);
    await user.click(within(dialog).getByRole("button", { name: "Open read-only chart" }));
    const chart = await screen.findByTestId("break-glass-chart");

    await user.click(within(chart).getByRole("button", { name: "Refresh" }));

    await waitFor(() => expect(within(chart).getAllByTestId("break-glass-note")).toHaveLength(1));
    expect(chart).toHaveTextContent("New note today.");
    expect(within(chart).getByRole("heading", { level: 2, name: /until 10:05$/ })).toBeInTheDocument();
    expect(core.argsOf("break_glass_chart")).toEqual([{ patientId: ELENA.id }]);
  });
});

import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { EncounterView } from "../../bindings/EncounterView";
import type { Section } from "../../bindings/Section";
import { hasHeldWork, heldAddendum, heldSections, holdSection } from "../../lib/heldWork";
import { ADULT_CATALOG, fakeCharting, viewFor, type FakeCharting } from "../../test/charting";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, THOMAS, TODAY, todayAt } from "../../test/fixtures";
import { ChartingScreen } from "./ChartingScreen";
import type { OpenedChart } from "./open";
import { WithQueries } from "../../test/query";

// The lock unmounts the charting screen: these render it, let it go, and render it again, as
// MainScreen does around a lock.

function open(fake: FakeCharting, handlers: Record<string, Handler> = {}, page: OpenedChart["page"] = "history") {
  const core = installCore({ ...fake.handlers, ...handlers });
  const opened: OpenedChart = {
    view: fake.view(),
    catalog: ADULT_CATALOG,
    catalogError: null,
    readOnly: false,
    page,
    authorName: null,
  };
  const screenApi = render(<ChartingScreen session={SESSION} opened={opened} onClose={vi.fn()} />, { wrapper: WithQueries });
  return { core, unmount: screenApi.unmount, user: userEvent.setup() };
}

const locked: Handler = () => failure("locked", "Rounds is locked");
const narrative = () => screen.getByLabelText(/Narrative/);
const history = (narrative: string): Section => ({ section: "history", answers: [], narrative });

function signedView(): EncounterView {
  const base = viewFor(THOMAS, { draft: { complaints: { chosen: [{ code: "sore_throat", label: "Sore throat" }] } } });
  return {
    ...base,
    encounter: {
      ...base.encounter,
      status: "signed",
      signed_at: todayAt(9, 42),
      signed_by: SESSION.practitioner.id,
      content_hash: "3f2a9c1b7d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4",
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("charting across a lock", () => {
  it("holds the latest value of a section whose saves were refused as locked", async () => {
    const fake = fakeCharting();
    const { core, user } = open(fake, { save_section: locked });

    await user.type(narrative(), "Sore");

    await waitFor(() => expect(core.argsOf("save_section").at(-1)?.section).toEqual(history("Sore")));
    await waitFor(() => expect(heldSections("enc-1")).toEqual([history("Sore")]));
  });

  it("shows held sections over the core's draft on opening, saves them, then lets them go", async () => {
    const fake = fakeCharting({ view: viewFor(THOMAS, { draft: { history: { answers: [], narrative: "Sore" } } }) });
    holdSection("enc-1", history("Sore since Monday."));
    const { core } = open(fake);

    expect(narrative()).toHaveValue("Sore since Monday.");
    await waitFor(() => expect(fake.view().encounter.draft?.history.narrative).toBe("Sore since Monday."));
    expect(core.argsOf("save_section")).toEqual([{ encounterId: "enc-1", section: history("Sore since Monday.") }]);
    await waitFor(() => expect(screen.getByTestId("save-status")).toHaveTextContent("Saved"));
    expect(hasHeldWork()).toBe(false);
  });

  it("holds them again when the replay is refused as locked too", async () => {
    const fake = fakeCharting();
    holdSection("enc-1", history("Sore since Monday."));
    const { core } = open(fake, { save_section: locked });

    await waitFor(() => expect(core.argsOf("save_section")).toHaveLength(1));
    expect(heldSections("enc-1")).toEqual([history("Sore since Monday.")]);
  });

  it("lets go of a section the core refuses for another reason (shown on the page as usual)", async () => {
    const fake = fakeCharting();
    holdSection("enc-1", history("Sore since Monday."));
    open(fake, { save_section: () => failure("invalid_input", "the narrative is too long") });

    expect(await screen.findByText(/the narrative is too long/)).toBeInTheDocument();
    expect(narrative()).toHaveValue("Sore since Monday.");
    expect(hasHeldWork()).toBe(false);
  });

  it("does not replay anything over a signed note", async () => {
    const fake = fakeCharting({ view: signedView() });
    holdSection("enc-1", history("Sore since Monday."));
    const { core } = open(fake, {}, "review");

    await screen.findByTestId("signed-line");
    expect(core.argsOf("save_section")).toEqual([]);
    expect(screen.queryByText(/Sore since Monday/)).not.toBeInTheDocument();
  });

  it("keeps an addendum being written across the screen going away, until it is added", async () => {
    const fake = fakeCharting({ view: signedView() });
    const first = open(fake, { add_addendum: locked }, "review");
    await first.user.type(screen.getByTestId("addendum"), "Rapid strep came back positive.");
    await first.user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(first.core.argsOf("add_addendum")).toHaveLength(1));
    first.unmount();
    expect(heldAddendum("enc-1")).toBe("Rapid strep came back positive.");

    const again = open(fake, {}, "review");
    expect(screen.getByTestId("addendum")).toHaveValue("Rapid strep came back positive.");
    await again.user.click(screen.getByRole("button", { name: "Add addendum" }));

    await waitFor(() =>
      expect(again.core.argsOf("add_addendum")).toEqual([{ encounterId: "enc-1", text: "Rapid strep came back positive." }]),
    );
    await waitFor(() => expect(screen.getByTestId("addendum")).toHaveValue(""));
    expect(hasHeldWork()).toBe(false);
  });
});

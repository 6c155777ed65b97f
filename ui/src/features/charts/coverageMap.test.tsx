import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { StateCoverage } from "../../bindings/StateCoverage";
import { installCore } from "../../test/fakeCore";
import { SESSION, TODAY, searchFixtures, syncStatusOf, todayAt } from "../../test/fixtures";
import { coverageRow } from "../../test/operations";
import { CoverageMap } from "./CoverageMap";
import { coverageLevel, stateLabel } from "./coverageMap";

const ROWS: StateCoverage[] = [
  coverageRow("AZ", { licensed: 1, on_duty: 0, waiting: 2, overdue: 0, oldest_due: todayAt(11, 0) }),
  coverageRow("CA", { licensed: 9, on_duty: 4, waiting: 10, overdue: 1, oldest_due: todayAt(8, 15) }),
  coverageRow("NV", { licensed: 2, on_duty: 1, waiting: 0, overdue: 0 }),
  coverageRow("OR", { licensed: 3, on_duty: 1, waiting: 6, overdue: 2, oldest_due: todayAt(7, 50) }),
  coverageRow("TX", { licensed: 2, on_duty: 0, waiting: 7, overdue: 3, oldest_due: todayAt(6, 5) }),
  coverageRow("WA", { licensed: 0, on_duty: 0, waiting: 0, overdue: 0 }),
];

const state = (code: string) => screen.getAllByTestId("map-state").find((p) => p.getAttribute("data-state") === code)!;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("coverage map", () => {
  it("draws the 50 states and DC, each coloured by its thinnest coverage and named for screen readers", async () => {
    render(<CoverageMap rows={ROWS} selected={null} onSelect={() => {}} />);
    const states = await screen.findAllByTestId("map-state");
    const codes = states.map((s) => s.getAttribute("data-state"));
    expect(codes).toHaveLength(51);
    expect(new Set(codes).size).toBe(51);
    expect(codes).toContain("DC");
    expect(codes).toContain("HI");
    expect(codes).toContain("AK");
    expect(states.every((s) => (s.getAttribute("d") ?? "").startsWith("M"))).toBe(true);

    const levels = Object.fromEntries(["AZ", "CA", "NV", "OR", "TX", "WA", "ME"].map((c) => [c, state(c).getAttribute("data-level")]));
    expect(levels).toEqual({
      AZ: "gap",
      TX: "gap",
      OR: "stretched", // 6 waiting, 1 on duty
      CA: "covered", // 2.5 per clinician
      NV: "clear",
      WA: "none",
      ME: "none", // not in the data at all
    });
    expect(state("TX")).toHaveClass("level-gap");
    expect(state("TX")).toHaveAccessibleName("Texas: 7 tasks waiting, 3 overdue, nobody on duty (2 licensed)");
    expect(state("CA")).toHaveAccessibleName("California: 10 tasks waiting, 1 overdue, 4 clinicians on duty of 9 licensed");
    expect(state("ME")).toHaveAccessibleName("Maine: no licensed clinicians, nothing waiting");

    // The legend counts the states at each level.
    const legend = screen.getByRole("list", { name: "Legend" });
    expect(within(legend).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "Work waiting, nobody on duty · 2",
      "More than 5 waiting per clinician on duty · 1",
      "Work waiting, covered · 1",
      "Nothing waiting · 1",
      "No licensed clinicians · 46",
    ]);
  });

  it("is one tab stop; arrows, Home and End move through the states and Enter selects", async () => {
    const onSelect = vi.fn();
    render(
      <>
        <button type="button">before</button>
        <CoverageMap rows={ROWS} selected={null} onSelect={onSelect} />
        <button type="button">after</button>
      </>,
    );
    await screen.findAllByTestId("map-state");
    const user = userEvent.setup();
    await user.click(screen.getByText("before"));
    await user.tab();
    expect(state("AL")).toHaveFocus();
    await user.keyboard("{ArrowRight}");
    expect(state("AK")).toHaveFocus();
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(state("AR")).toHaveFocus();
    await user.keyboard("{ArrowUp}");
    expect(state("AZ")).toHaveFocus();
    await user.keyboard("{End}");
    expect(state("WY")).toHaveFocus();
    await user.keyboard("{Home}");
    expect(state("AL")).toHaveFocus();
    await user.keyboard("{End}{Enter}");
    expect(onSelect).toHaveBeenLastCalledWith("WY");
    await user.tab();
    expect(screen.getByText("after")).toHaveFocus();
    expect(screen.getAllByTestId("map-state").filter((p) => p.getAttribute("tabindex") === "0")).toHaveLength(1);
  });

  it("on the coverage screen, picking a state highlights its row and the table stays beside the map", async () => {
    installCore({
      session: () => SESSION,
      search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
      sync_status: () => syncStatusOf(),
      coverage: () => ROWS,
    });
    render(<App />);
    await screen.findAllByTestId("patient-row");
    const user = userEvent.setup();
    await user.keyboard("{Escape}gc");
    await screen.findByTestId("coverage-table");
    await screen.findAllByTestId("map-state");
    const row = (code: string) => screen.getAllByTestId("coverage-row").find((r) => r.getAttribute("data-state") === code)!;

    await user.click(state("OR"));
    expect(state("OR")).toHaveAttribute("aria-pressed", "true");
    expect(row("OR")).toHaveClass("is-selected");
    // Moving on with the keyboard keeps the highlight with the focused state.
    await user.keyboard("{ArrowRight}");
    await waitFor(() => expect(row("OR")).not.toHaveClass("is-selected"));
    expect(state("PA")).toHaveFocus();
    expect(screen.getAllByTestId("coverage-row").filter((r) => r.classList.contains("is-selected"))).toHaveLength(0);
    // Pennsylvania has no row; Escape clears the choice.
    await user.keyboard("{Escape}");
    expect(state("PA")).toHaveAttribute("aria-pressed", "false");
    // A row picks its state too.
    await user.click(within(row("TX")).getByRole("rowheader"));
    expect(state("TX")).toHaveAttribute("aria-pressed", "true");
    expect(row("TX")).toHaveClass("is-selected", "coverage-gap");
  });
});

describe("coverage levels", () => {
  it("follow the table's reading of thinnest coverage", () => {
    expect(coverageLevel(undefined)).toBe("none");
    expect(coverageLevel(coverageRow("TX", { licensed: 0, on_duty: 0, waiting: 1, overdue: 0 }))).toBe("gap");
    expect(coverageLevel(coverageRow("TX", { licensed: 2, on_duty: 1, waiting: 5, overdue: 0 }))).toBe("covered");
    expect(coverageLevel(coverageRow("TX", { licensed: 2, on_duty: 1, waiting: 6, overdue: 0 }))).toBe("stretched");
    expect(stateLabel("Ohio", coverageRow("OH", { licensed: 1, on_duty: 1, waiting: 1, overdue: 0 }))).toBe(
      "Ohio: 1 task waiting, 1 clinician on duty of 1 licensed",
    );
  });
});

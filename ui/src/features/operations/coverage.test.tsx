import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { StateCoverage } from "../../bindings/StateCoverage";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, TODAY, searchFixtures, syncStatusOf, todayAt } from "../../test/fixtures";
import { coverageRow } from "../../test/operations";
import { isUncovered, loadLabel, sortCoverage } from "./coverage";

async function openCoverage(handlers: Record<string, Handler>, session: SessionInfo = SESSION) {
  const core = installCore({
    session: () => session,
    search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
    sync_status: () => syncStatusOf(),
    ...handlers,
  });
  render(<App />);
  await screen.findAllByTestId("patient-row");
  const user = userEvent.setup();
  await user.keyboard("{Escape}gc");
  await screen.findByTestId("coverage-screen");
  return { core, user };
}

/** In alphabetical order, as the server might send them. */
const ROWS: StateCoverage[] = [
  coverageRow("AZ", { licensed: 1, on_duty: 0, waiting: 2, overdue: 0, oldest_due: todayAt(11, 0) }),
  coverageRow("CA", { licensed: 9, on_duty: 4, waiting: 10, overdue: 1, oldest_due: todayAt(8, 15) }),
  coverageRow("NV", { licensed: 2, on_duty: 1, waiting: 0, overdue: 0 }),
  coverageRow("OR", { licensed: 3, on_duty: 1, waiting: 6, overdue: 2, oldest_due: todayAt(7, 50) }),
  coverageRow("TX", { licensed: 2, on_duty: 0, waiting: 7, overdue: 3, oldest_due: todayAt(6, 5) }),
  coverageRow("WA", { licensed: 0, on_duty: 0, waiting: 0, overdue: 0 }),
];

const order = () => screen.getAllByTestId("coverage-row").map((r) => r.getAttribute("data-state"));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("coverage", () => {
  it("lists states thinnest coverage first and highlights work with nobody on duty", async () => {
    const { core, user } = await openCoverage({ coverage: () => ROWS });
    const table = await screen.findByTestId("coverage-table");
    expect(core.argsOf("coverage")).toEqual([{}]);

    // Work and nobody on duty (most waiting first), then waiting per clinician on duty, then no work.
    expect(order()).toEqual(["TX", "AZ", "OR", "CA", "NV", "WA"]);
    const tx = within(table).getAllByTestId("coverage-row")[0]!;
    expect(tx).toHaveClass("coverage-gap");
    expect(within(tx).getByText("Nobody on duty")).toBeInTheDocument();
    expect(within(tx).getAllByRole("cell").map((c) => c.textContent)).toEqual([
      "2",
      "0",
      "7",
      "Nobody on duty",
      "3",
      "06:05",
    ]);
    expect(screen.getAllByTestId("coverage-row").filter((r) => r.classList.contains("coverage-gap"))).toHaveLength(2);
    const or = screen.getAllByTestId("coverage-row")[2]!;
    expect(or).not.toHaveClass("coverage-gap");
    expect(within(or).getByText("6", { selector: "td:nth-child(5)" })).toBeInTheDocument();
    expect(screen.getByTestId("coverage-summary")).toHaveTextContent("2 states have work waiting and nobody on duty: TX, AZ.");

    await user.click(screen.getByRole("radio", { name: "State" }));
    expect(order()).toEqual(["AZ", "CA", "NV", "OR", "TX", "WA"]);
    // s moves to the next sort: back to thinnest.
    await user.keyboard("s");
    expect(order()).toEqual(["TX", "AZ", "OR", "CA", "NV", "WA"]);
    await user.click(screen.getByRole("radio", { name: "Most overdue" }));
    expect(order()).toEqual(["TX", "OR", "CA", "AZ", "NV", "WA"]);

    await user.keyboard("r");
    await waitFor(() => expect(core.argsOf("coverage")).toHaveLength(2));
  });

  it("says calmly that coverage needs the server when offline, without asking for it", async () => {
    const { core } = await openCoverage({ coverage: () => ROWS }, { ...SESSION, online: false });
    expect(screen.getByTestId("coverage-offline")).toHaveTextContent("Coverage needs the server");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(screen.queryByTestId("coverage-table")).not.toBeInTheDocument();
    expect(core.argsOf("coverage")).toEqual([]);
  });

  it("says the same when the server stops answering", async () => {
    await openCoverage({ coverage: () => failure("server_unreachable", "could not reach rounds.clinic.test") });
    expect(await screen.findByTestId("coverage-offline")).toHaveTextContent("Coverage needs the server");
    expect(screen.queryByText(/could not reach/)).not.toBeInTheDocument();
  });

  it("shows other errors with a way to try again", async () => {
    let fail = true;
    const { user } = await openCoverage({
      coverage: () => (fail ? failure("forbidden", "coverage is for operations staff") : ROWS),
    });
    expect(await screen.findByRole("alert")).toHaveTextContent("Coverage could not be read: coverage is for operations staff");
    fail = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("coverage-table")).toBeInTheDocument();
  });
});

describe("coverage sorting", () => {
  it("puts states with work and nobody on duty first, then the most work per clinician", () => {
    expect(sortCoverage(ROWS, "thinnest").map((r) => r.state)).toEqual(["TX", "AZ", "OR", "CA", "NV", "WA"]);
    expect(ROWS.filter(isUncovered).map((r) => r.state)).toEqual(["AZ", "TX"]);
    expect(ROWS.map(loadLabel)).toEqual([null, "2.5", "—", "6", null, "—"]);
    // The input is left alone.
    expect(ROWS.map((r) => r.state)).toEqual(["AZ", "CA", "NV", "OR", "TX", "WA"]);
  });
});

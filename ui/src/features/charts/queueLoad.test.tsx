import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { QueueLoad } from "../../bindings/QueueLoad";
import { installCore } from "../../test/fakeCore";
import { SESSION, TODAY, findFixture, searchFixtures, syncStatusOf } from "../../test/fixtures";
import { queueCore, sampleItems } from "../../test/operations";
import { describeLoad, loadPlot, pointLabel } from "./queueLoad";

/** Local midnights ending Tue 04/14 … Sun 04/19, then now (Mon 04/20 09:30). */
function load(queue: QueueLoad["queue"], waiting: number[], overdue: number[]): QueueLoad {
  const moments = [15, 16, 17, 18, 19, 20].map((d) => new Date(2026, 3, d).toISOString());
  moments.push(TODAY.toISOString());
  return { queue, points: moments.map((at, i) => ({ at, waiting: waiting[i]!, overdue: overdue[i]! })) };
}

const NP = load("nurse_practitioner", [4, 6, 15, 9, 7, 5, 3], [0, 1, 4, 2, 0, 0, 1]);
const QUIET = load("care_coordinator", [0, 0, 0, 0, 0, 0, 2], [0, 0, 0, 0, 0, 0, 0]);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("queue load: what is drawn and said", () => {
  it("labels each midnight with the day it ends, and the last point as now", () => {
    expect(NP.points.map((_, i) => pointLabel(NP, i))).toEqual([
      "Tue 04/14",
      "Wed 04/15",
      "Thu 04/16",
      "Fri 04/17",
      "Sat 04/18",
      "Sun 04/19",
      "Now",
    ]);
  });

  it("draws waiting and overdue over the same moments", () => {
    const plot = loadPlot(NP);
    expect(plot.xs).toEqual(NP.points.map((p) => new Date(p.at).getTime() / 1000));
    expect(plot.lines.map((l) => [l.label, l.color])).toEqual([
      ["Waiting", "--accent"],
      ["Overdue", "--alert"],
    ]);
    expect(plot.lines[0]!.values).toEqual([4, 6, 15, 9, 7, 5, 3]);
    expect(plot.lines[1]!.values).toEqual([0, 1, 4, 2, 0, 0, 1]);
  });

  it("reads now, a week ago and the busiest day", () => {
    expect(describeLoad(NP)).toBe(
      "Nurse practitioner: 3 waiting now, 1 overdue. 4 waiting at the end of Tue 04/14; most 15 at the end of Thu 04/16.",
    );
    expect(describeLoad(QUIET)).toBe(
      "Care coordinator: 2 waiting now, 0 overdue. 0 waiting at the end of Tue 04/14; none at the end of any day.",
    );
  });
});

describe("queue load on the queues screen", () => {
  it("shows each queue's last 7 days with its summary and numbers, and reads again after a claim", async () => {
    const fake = queueCore(sampleItems());
    const core = installCore({
      session: () => SESSION,
      search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
      get_patient: ({ id }) => findFixture(String(id)),
      sync_status: () => syncStatusOf(),
      ...fake.handlers,
      queue_load: () => [NP],
    });
    render(<App />);
    await screen.findAllByTestId("patient-row");
    const user = userEvent.setup();
    await user.keyboard("{Escape}gq");
    const panel = await screen.findByTestId("queue-load");
    expect(core.argsOf("queue_load")[0]).toEqual({ utcOffsetMinutes: -TODAY.getTimezoneOffset() });
    expect(within(panel).getByRole("heading", { name: "Last 7 days" })).toBeInTheDocument();
    const np = within(panel).getByTestId("queue-load-nurse_practitioner");
    expect(within(np).getByTestId("queue-load-summary")).toHaveTextContent("Nurse practitioner: 3 waiting now, 1 overdue.");
    expect(within(np).getByTestId("plot")).toHaveAttribute("aria-hidden", "true");
    const days = within(np)
      .getAllByRole("row")
      .slice(1)
      .map((r) => [within(r).getByRole("rowheader").textContent, ...within(r).getAllByRole("cell").map((c) => c.textContent)]);
    expect(days[2]).toEqual(["Thu 04/16", "15", "4"]);
    expect(days[6]).toEqual(["Now", "3", "1"]);

    const before = core.argsOf("queue_load").length;
    await waitFor(() => expect(screen.getAllByTestId("task-row").length).toBeGreaterThan(0));
    await user.keyboard("c");
    await waitFor(() => expect(core.argsOf("claim_task")).toHaveLength(1));
    await waitFor(() => expect(core.argsOf("queue_load").length).toBeGreaterThan(before));
  });
});

import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, TODAY, findFixture, searchFixtures, syncStatusOf, todayAt } from "../../test/fixtures";
import {
  ANA,
  JO,
  KEMI,
  LEE,
  SAM,
  directoryEntries,
  item,
  manyItems,
  queueCore,
  sampleItems,
  task,
} from "../../test/operations";
import { QUEUE_LIMIT, ROW_HEIGHT } from "./QueuesScreen";
import { mayTakeIn, queueFor, queuesFor } from "./tasks";
import { FALLBACK_VIEWPORT, VirtualList } from "../common/VirtualList";

const search: Handler = ({ query, limit }) => searchFixtures(String(query), Number(limit));
const getPatient: Handler = ({ id }) => findFixture(String(id)) ?? failure("not_found", `no patient ${String(id)}`);

function renderApp(handlers: Record<string, Handler>) {
  const core = installCore({
    session: () => SESSION,
    search_patients: search,
    get_patient: getPatient,
    sync_status: () => syncStatusOf(),
    patient_chart: () => failure("not_found", "no chart in this test"),
    ...handlers,
  });
  render(<App />);
  return core;
}

/** Signed in, then "g q": the queue screen with its first rows. */
async function openQueues(handlers: Record<string, Handler>) {
  const core = renderApp(handlers);
  await screen.findAllByTestId("patient-row");
  const user = userEvent.setup();
  // The search box has the cursor: Escape leaves it, then g q.
  await user.keyboard("{Escape}gq");
  await screen.findByTestId("queues-screen");
  await waitFor(() => expect(screen.getAllByTestId("task-row").length).toBeGreaterThan(0));
  return { core, user };
}

const rows = () => screen.getAllByTestId("task-row");
const selectedRow = () => rows().find((r) => r.getAttribute("aria-selected") === "true");

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("queues: getting there", () => {
  it("opens from the top bar or g q, lists my queues with counts, and g p goes back to patients", async () => {
    const fake = queueCore(sampleItems());
    const { core, user } = await openQueues(fake.handlers);

    expect(screen.getByTestId("nav-queues")).toHaveAttribute("aria-current", "page");
    expect(core.argsOf("task_queue")[0]).toEqual({
      filter: { kind: "role", role: "nurse_practitioner" },
      sort: "due",
      limit: QUEUE_LIMIT,
    });
    const np = screen.getByTestId("queue-nurse_practitioner");
    expect(np).toHaveTextContent("Nurse practitioner");
    expect(np).toHaveTextContent("3 ready · 1 overdue");
    expect(np).toHaveAttribute("aria-current", "true");
    expect(screen.getByTestId("queue-mine")).toHaveTextContent("0 tasks");

    // Due first: the overdue lab (08:00), the stat thread (09:45), the refill (10:00).
    expect(rows().map((r) => r.getAttribute("data-task"))).toEqual(["t-lab", "t-thread", "t-refill"]);
    expect(selectedRow()).toHaveAttribute("data-task", "t-lab");
    expect(screen.getByRole("listbox", { name: "Nurse practitioner tasks" })).toHaveFocus();

    const thread = rows()[1]!;
    expect(within(thread).getByText("Stat")).toHaveClass("priority-stat");
    expect(within(thread).getByText("Review messages")).toBeInTheDocument();
    expect(within(thread).getByText("Nguyen, Thomas")).toBeInTheDocument();
    expect(within(thread).getByText("Chest tightness after new medication")).toBeInTheDocument();
    expect(within(thread).getByText("TX")).toBeInTheDocument();
    expect(within(thread).getByText("Ready")).toBeInTheDocument();
    expect(within(thread).getByTestId("task-due")).toHaveTextContent("Due 09:45");

    // Sort by priority: s, or the toggle.
    await user.keyboard("s");
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-task"))).toEqual(["t-thread", "t-lab", "t-refill"]));
    expect(core.argsOf("task_queue").at(-1)).toMatchObject({ sort: "priority" });
    expect(screen.getByRole("radio", { name: "Priority" })).toHaveAttribute("aria-checked", "true");

    await user.keyboard("gp");
    expect(screen.queryByTestId("queues-screen")).not.toBeInTheDocument();
    expect(screen.getAllByTestId("patient-row")).toHaveLength(3);
    expect(screen.getByTestId("nav-patients")).toHaveAttribute("aria-current", "page");
    await waitFor(() => expect(screen.getByRole("combobox", { name: "Search patients" })).toHaveFocus());

    // The button works too, and the queue and sort chosen are kept.
    await user.click(screen.getByTestId("nav-queues"));
    await screen.findByTestId("queues-screen");
    expect(core.argsOf("task_queue").at(-1)).toMatchObject({ sort: "priority" });
  });

  it("marks overdue work", async () => {
    await openQueues(queueCore(sampleItems()).handlers);
    const lab = rows().find((r) => r.getAttribute("data-task") === "t-lab")!;
    expect(lab).toHaveClass("task-overdue");
    expect(within(lab).getByTestId("task-due")).toHaveTextContent("Overdue · 08:00");
    expect(within(lab).getByTestId("task-due")).toHaveClass("is-overdue");
    const refill = rows().find((r) => r.getAttribute("data-task") === "t-refill")!;
    expect(refill).not.toHaveClass("task-overdue");
    expect(within(refill).getByTestId("task-due")).toHaveTextContent("Due 10:00");
    expect(within(refill).getByTestId("task-due")).not.toHaveClass("is-overdue");
  });
});

describe("queues: working by keyboard", () => {
  it("moves, claims, completes, and opens the patient", async () => {
    const fake = queueCore(sampleItems());
    const { core, user } = await openQueues(fake.handlers);

    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(selectedRow()).toHaveAttribute("data-task", "t-refill");
    await user.keyboard("{ArrowUp}");
    expect(selectedRow()).toHaveAttribute("data-task", "t-thread");
    await user.keyboard("{ArrowDown}");

    const syncPolls = core.argsOf("sync_status").length;
    await user.keyboard("c");
    expect(core.argsOf("claim_task")).toEqual([{ taskId: "t-refill" }]);
    // Applied on this device: the task leaves the role queue and is in My tasks.
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-task"))).toEqual(["t-lab", "t-thread"]));
    expect(screen.getByTestId("queue-status")).toHaveTextContent("Claimed: Refill for Lopez, Mia. It is in My tasks now.");
    expect(screen.getByTestId("queue-mine")).toHaveTextContent("1 task");
    expect(screen.getByTestId("queue-nurse_practitioner")).toHaveTextContent("2 ready");
    // The sync indicator hears of the change at once.
    expect(core.argsOf("sync_status").length).toBeGreaterThan(syncPolls);
    // The row now at the same place is highlighted.
    expect(selectedRow()).toHaveAttribute("data-task", "t-thread");

    // My tasks: → moves between queues.
    await user.keyboard("{ArrowLeft}");
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-task"))).toEqual(["t-refill"]));
    expect(core.argsOf("task_queue").at(-1)).toMatchObject({ filter: { kind: "mine" } });
    expect(within(rows()[0]!).getByText("In progress")).toBeInTheDocument();

    await user.keyboard("d");
    expect(core.argsOf("complete_task")).toEqual([{ taskId: "t-refill" }]);
    await waitFor(() => expect(screen.queryAllByTestId("task-row")).toHaveLength(0));
    expect(screen.getByTestId("queue-status")).toHaveTextContent("Done: Refill for Lopez, Mia.");
    expect(screen.getByText("You have no open tasks. Claim one from a role queue with c.")).toBeInTheDocument();

    // Back to the role queue; Enter opens the stat thread's patient.
    await user.click(screen.getByTestId("queue-nurse_practitioner"));
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.keyboard("{ArrowDown}{Enter}");
    expect(await screen.findByTestId("banner-name")).toHaveTextContent("Nguyen, Thomas");
    expect(screen.queryByTestId("queues-screen")).not.toBeInTheDocument();
    expect(screen.getByTestId("nav-patients")).toHaveAttribute("aria-current", "page");
  });

  it("cancels only on a second x (or Enter); Esc keeps the task", async () => {
    const fake = queueCore(sampleItems());
    const { core, user } = await openQueues(fake.handlers);

    await user.keyboard("x");
    const row = selectedRow()!;
    expect(within(row).getByRole("alert")).toHaveTextContent("Cancel this task? Press x or Enter to cancel it, Esc to keep it.");
    await user.keyboard("{Escape}");
    expect(within(row).queryByRole("alert")).not.toBeInTheDocument();
    expect(within(row).getByText("Strep culture result")).toBeInTheDocument();

    await user.keyboard("x{ArrowDown}");
    expect(screen.queryByText(/Cancel this task\?/)).not.toBeInTheDocument();
    expect(core.argsOf("cancel_task")).toEqual([]);

    await user.keyboard("xx");
    expect(core.argsOf("cancel_task")).toEqual([{ taskId: "t-thread" }]);
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-task"))).toEqual(["t-lab", "t-refill"]));
    expect(screen.getByTestId("queue-status")).toHaveTextContent("Cancelled: Review messages for Nguyen, Thomas.");

    await user.keyboard("{ArrowUp}x{Enter}");
    expect(core.argsOf("cancel_task")).toEqual([{ taskId: "t-thread" }, { taskId: "t-lab" }]);
    // Enter confirmed: it did not open the patient.
    expect(screen.getByTestId("queues-screen")).toBeInTheDocument();
  });

  it("hands off through the dialog: a colleague who may take it, and the queue when they have several roles", async () => {
    const fake = queueCore(sampleItems());
    const { core, user } = await openQueues(fake.handlers);

    await user.keyboard("h");
    const dialog = await screen.findByTestId("hand-off-dialog");
    expect(dialog).toHaveAttribute("role", "dialog");
    expect(core.argsOf("who_can_take")).toEqual([{ taskId: "t-lab" }]);
    const list = await within(dialog).findByRole("listbox", { name: "Colleague" });
    await waitFor(() => expect(list).toHaveFocus());
    // Ana herself is not offered.
    const options = within(list).getAllByRole("option");
    expect(options.map((o) => o.querySelector(".hand-off-name")?.textContent)).toEqual([LEE.display_name, SAM.display_name]);
    expect(options[0]).toHaveTextContent("Nurse practitioner · TX, CA · on duty");
    expect(options[0]).toHaveAttribute("aria-selected", "true");
    // One role: no queue to choose.
    expect(within(dialog).queryByRole("radiogroup")).not.toBeInTheDocument();

    // The queue screen's keys rest while the dialog is open.
    await user.keyboard("{ArrowDown}");
    expect(options[1]).toHaveAttribute("aria-selected", "true");
    expect(selectedRow()).toHaveAttribute("data-task", "t-lab");

    // Sam is an NP and a PA: which queue?
    const queue = within(dialog).getByRole("radiogroup", { name: "Queue" });
    expect(within(queue).getByRole("radio", { name: "Nurse practitioner" })).toHaveAttribute("aria-checked", "true");
    await user.click(within(queue).getByRole("radio", { name: "Physician assistant" }));
    await user.click(within(dialog).getByRole("button", { name: "Hand off to Sam Cole" }));

    expect(core.argsOf("hand_off_task")).toEqual([{ taskId: "t-lab", to: SAM.id, queue: "physician_assistant" }]);
    await waitFor(() => expect(screen.queryByTestId("hand-off-dialog")).not.toBeInTheDocument());
    expect(screen.getByTestId("queue-status")).toHaveTextContent(
      "Handed to Sam Cole (Physician assistant): Lab follow-up for Lopez, Mia.",
    );
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-task"))).toEqual(["t-thread", "t-refill"]));

    // Enter in the list hands off to the highlighted colleague.
    await user.keyboard("h");
    const second = await screen.findByTestId("hand-off-dialog");
    await waitFor(() => expect(within(second).getByRole("listbox")).toHaveFocus());
    await user.keyboard("{Enter}");
    expect(core.argsOf("hand_off_task").at(-1)).toEqual({ taskId: "t-thread", to: LEE.id, queue: "nurse_practitioner" });
    await waitFor(() => expect(screen.queryByTestId("hand-off-dialog")).not.toBeInTheDocument());
  });

  it("keeps the dialog open with the core's message when the hand-off is refused; Esc closes it", async () => {
    const fake = queueCore(sampleItems());
    const { user } = await openQueues({
      ...fake.handlers,
      hand_off_task: () => failure("forbidden", "Lee Park, NP cannot take it: needs an active license in OR"),
    });
    await user.keyboard("h");
    const dialog = await screen.findByTestId("hand-off-dialog");
    await waitFor(() => expect(within(dialog).getByRole("listbox")).toHaveFocus());
    await user.keyboard("{Enter}");
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(
      "Not handed off: Lee Park, NP cannot take it: needs an active license in OR",
    );
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("hand-off-dialog")).not.toBeInTheDocument();
    expect(screen.getByRole("listbox", { name: "Nurse practitioner tasks" })).toHaveFocus();
    expect(rows()).toHaveLength(3);
  });
});

describe("queues: refusals", () => {
  it("shows a license refusal on the row with who could take it, one key away", async () => {
    const fake = queueCore(sampleItems());
    const { core, user } = await openQueues({
      ...fake.handlers,
      claim_task: ({ taskId }) =>
        taskId === "t-thread" ? failure("forbidden", "needs an active license in TX") : fake.handlers.claim_task!({ taskId }),
      who_can_take: () => [LEE, ANA],
    });

    await user.keyboard("{ArrowDown}c");
    const row = rows().find((r) => r.getAttribute("data-task") === "t-thread")!;
    const note = await within(row).findByTestId("task-note");
    expect(note).toHaveTextContent("Not claimed: needs an active license in TX.");
    expect(screen.getByTestId("queue-status")).toHaveTextContent("Not claimed: needs an active license in TX");
    // Nothing moved.
    expect(rows()).toHaveLength(3);
    expect(core.argsOf("who_can_take")).toEqual([{ taskId: "t-thread" }]);
    await waitFor(() => expect(note).toHaveTextContent("Could take it:1 Lee Park, NP"));
    expect(within(note).queryByText(/Ana Ruiz/)).not.toBeInTheDocument();

    await user.keyboard("1");
    expect(core.argsOf("hand_off_task")).toEqual([{ taskId: "t-thread", to: LEE.id, queue: "nurse_practitioner" }]);
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-task"))).toEqual(["t-lab", "t-refill"]));
    expect(screen.getByTestId("queue-status")).toHaveTextContent(
      "Handed to Lee Park, NP (Nurse practitioner): Review messages for Nguyen, Thomas.",
    );
  });

  it("shows other refusals calmly without asking who could take it", async () => {
    const fake = queueCore(sampleItems());
    const { core, user } = await openQueues({
      ...fake.handlers,
      claim_task: () => failure("invalid_input", "someone else took this task first"),
    });
    await user.keyboard("c");
    const note = await within(selectedRow()!).findByTestId("task-note");
    expect(note).toHaveTextContent("Not claimed: someone else took this task first.");
    expect(core.argsOf("who_can_take")).toEqual([]);
    // Esc puts the description back.
    await user.keyboard("{Escape}");
    expect(within(selectedRow()!).queryByTestId("task-note")).not.toBeInTheDocument();
    expect(within(selectedRow()!).getByText("Strep culture result")).toBeInTheDocument();
  });

  it("reads the queue again after each sync round", async () => {
    let status: SyncStatus = syncStatusOf();
    const fake = queueCore(sampleItems());
    const { core } = await openQueues({ ...fake.handlers, sync_status: () => status });
    const before = core.argsOf("task_queue").length;

    // Another device claimed the refill; the next round brings it here.
    fake.set(fake.items().filter((i) => i.task.id !== "t-refill"));
    status = syncStatusOf({ last_synced_at: todayAt(9, 31) });
    await waitFor(() => expect(core.argsOf("task_queue").length).toBeGreaterThan(before), { timeout: 4000 });
    await waitFor(() => expect(rows()).toHaveLength(2));
  });
});

describe("queues: many tasks", () => {
  it("asks the core for at most the limit and renders only the rows in view", async () => {
    const fake = queueCore(manyItems(100_000));
    const { core, user } = await openQueues(fake.handlers);

    expect(core.argsOf("task_queue")[0]).toMatchObject({ limit: QUEUE_LIMIT });
    const shown = rows().length;
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThanOrEqual(Math.ceil(FALLBACK_VIEWPORT / ROW_HEIGHT) + 8);
    expect(screen.getByText("Showing the first 500 of 100,000. The rest move up as these are done.")).toBeInTheDocument();
    expect(screen.getByTestId("queue-nurse_practitioner")).toHaveTextContent("100,000 ready");

    // End: the last of the 500 is rendered and highlighted; the first is gone from the DOM.
    await user.keyboard("{End}");
    expect(selectedRow()).toHaveAttribute("data-task", "t-000499");
    expect(selectedRow()).toHaveAttribute("aria-posinset", "500");
    expect(screen.queryByText("Patient 1")).not.toBeInTheDocument();
    expect(rows().length).toBeLessThanOrEqual(Math.ceil(FALLBACK_VIEWPORT / ROW_HEIGHT) + 8);
    expect(screen.getByRole("listbox", { name: "Nurse practitioner tasks" })).toHaveAttribute(
      "aria-activedescendant",
      "task-t-000499",
    );
  });
});

describe("VirtualList", () => {
  const renderList = (selected: number) =>
    render(
      <VirtualList
        count={10_000}
        rowHeight={ROW_HEIGHT}
        selected={selected}
        label="Tasks"
        rowKey={(i) => `r${i}`}
        renderRow={(i) => (
          <div role="option" aria-selected={i === selected} data-testid="vrow">
            Row {i + 1}
          </div>
        )}
      />,
    );

  it("renders only the visible rows of 10,000, and follows scrolling and the highlight", () => {
    const { rerender } = renderList(0);
    const list = screen.getByRole("listbox", { name: "Tasks" });
    const visible = Math.ceil(FALLBACK_VIEWPORT / ROW_HEIGHT);
    expect(screen.getAllByTestId("vrow")).toHaveLength(visible + 4);
    expect(screen.getByText("Row 1")).toBeInTheDocument();
    expect(list.firstElementChild).toHaveStyle({ height: `${10_000 * ROW_HEIGHT}px` });

    list.scrollTop = 5_000 * ROW_HEIGHT;
    fireEvent.scroll(list);
    expect(screen.queryByText("Row 1")).not.toBeInTheDocument();
    expect(screen.getByText("Row 5001")).toBeInTheDocument();
    expect(screen.getAllByTestId("vrow")).toHaveLength(visible + 8);
    const slot = screen.getByText("Row 5001").parentElement!;
    expect(slot).toHaveStyle({ position: "absolute", top: `${5_000 * ROW_HEIGHT}px` });

    rerender(
      <VirtualList
        count={10_000}
        rowHeight={ROW_HEIGHT}
        selected={9_999}
        label="Tasks"
        rowKey={(i) => `r${i}`}
        renderRow={(i) => <div data-testid="vrow">Row {i + 1}</div>}
      />,
    );
    expect(screen.getByText("Row 10000")).toBeInTheDocument();
    expect(list.scrollTop).toBe(10_000 * ROW_HEIGHT - FALLBACK_VIEWPORT);
    expect(screen.getAllByTestId("vrow").length).toBeLessThanOrEqual(visible + 4);
  });
});

describe("choosing a colleague's queue", () => {
  const tx = task("t-tx", { license_state: "TX", queue: "nurse_practitioner" });
  const today = "2026-04-20";

  it("keeps the task's queue when the colleague may take it there", () => {
    expect(queueFor(LEE, tx, today)).toBe("nurse_practitioner");
    expect(queuesFor(SAM, task("t-ca"), today)).toEqual(["nurse_practitioner", "physician_assistant"]);
  });

  it("offers only roles they may take it in: a license in the state for clinical queues, never admin", () => {
    // Sam holds no TX license: neither clinical queue fits, so both are offered (the core decides).
    expect(queuesFor(SAM, tx, today)).toEqual(["nurse_practitioner", "physician_assistant"]);
    // Jo coordinates care (no license needed) and administers: only the coordinator queue.
    expect(queuesFor(JO, tx, today)).toEqual(["care_coordinator"]);
    expect(queueFor(JO, tx, today)).toBe("care_coordinator");
    // Kemi's CA license was active through 03/31.
    const ca = task("t-ca", { queue: "physician" });
    expect(mayTakeIn(KEMI, ca, "physician", "2026-03-31")).toBe(true);
    expect(mayTakeIn(KEMI, ca, "physician", today)).toBe(false);
    expect(mayTakeIn(KEMI, tx, "physician", today)).toBe(true);
    expect(mayTakeIn(KEMI, tx, "nurse_practitioner", today)).toBe(false);
  });
});

describe("queues and other screens", () => {
  it("g d and g c go to the directory and coverage without acting on the task", async () => {
    const fake = queueCore(sampleItems());
    const { core, user } = await openQueues({
      ...fake.handlers,
      directory: () => [],
      coverage: () => [],
    });
    await user.keyboard("gd");
    expect(await screen.findByTestId("directory-screen")).toBeInTheDocument();
    expect(core.argsOf("complete_task")).toEqual([]);
    await user.keyboard("gq");
    await screen.findByTestId("queues-screen");
    await user.keyboard("gc");
    expect(await screen.findByTestId("coverage-screen")).toBeInTheDocument();
    expect(core.argsOf("claim_task")).toEqual([]);
    expect(ANA.roles).toEqual(["nurse_practitioner"]);
  });
});

describe("queues: task details", () => {
  it("shows the selected task's focus and history, newest last, with names from the directory", async () => {
    const items = sampleItems();
    items[1]!.task = {
      ...items[1]!.task,
      focus: { kind: "encounter", id: "enc-1" },
      history: [
        { at: todayAt(7, 0), by: KEMI.id, action: "created", note: "" },
        { at: todayAt(7, 30), by: "pr-unknown", action: "handed_off", note: "to the nurse practitioner queue" },
        { at: todayAt(8, 0), by: null, action: "escalated", note: "overdue: now urgent" },
      ],
    };
    items[2]!.task = { ...items[2]!.task, focus: { kind: "thread", id: "th-1" } };
    const fake = queueCore(items);
    const { user } = await openQueues({ ...fake.handlers, directory: () => directoryEntries() });

    // t-lab is selected first.
    const details = screen.getByTestId("task-details");
    expect(within(details).getByTestId("task-focus")).toHaveTextContent("Visit note");
    await waitFor(() =>
      expect(within(details).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
        `07:00 Created by ${KEMI.display_name}`,
        "07:30 Handed off by a colleague · to the nurse practitioner queue",
        "08:00 Escalated by Rounds (automatic) · overdue: now urgent",
      ]),
    );

    await user.keyboard("{ArrowDown}");
    const next = screen.getByTestId("task-details");
    expect(within(next).getByTestId("task-focus")).toHaveTextContent("Message thread");
    expect(within(next).getByText("Nothing recorded yet.")).toBeInTheDocument();
  });

  it("says a colleague when the directory cannot be read", async () => {
    const items = sampleItems();
    items[1]!.task = {
      ...items[1]!.task,
      history: [{ at: todayAt(7, 0), by: LEE.id, action: "claimed", note: "" }],
    };
    await openQueues({ ...queueCore(items).handlers, directory: () => failure("server_unreachable", "offline") });
    const details = screen.getByTestId("task-details");
    expect(within(details).getByTestId("task-focus")).toHaveTextContent("The patient");
    expect(within(details).getByRole("listitem")).toHaveTextContent("07:00 Claimed by a colleague");
  });
});

describe("queues: hand-off wording", () => {
  it("asks for a license only for clinical queues and names the destination queue", async () => {
    const fake = queueCore(sampleItems());
    const { user } = await openQueues(fake.handlers);
    await user.keyboard("h");
    const dialog = await screen.findByTestId("hand-off-dialog");
    expect(within(dialog).getByTestId("hand-off-needs")).toHaveTextContent(
      "Lab follow-up for Lopez, Mia · needs a nurse practitioner with an active license in CA",
    );
    // Lee has one role: no choice, but the destination is still said.
    expect(await within(dialog).findByTestId("hand-off-destination")).toHaveTextContent(
      "Goes to the nurse practitioner queue",
    );
    expect(within(dialog).queryByRole("radiogroup")).not.toBeInTheDocument();
  });

  it("says just care coordinators for a coordinator's task", async () => {
    const coordinatorTask = item(
      task("t-call", {
        kind: "scheduling",
        queue: "care_coordinator",
        license_state: "TX",
        owner_id: ANA.id,
        status: "in_progress",
        due_at: todayAt(12, 0),
      }),
    );
    const fake = queueCore([...sampleItems(), coordinatorTask]);
    const { user } = await openQueues({ ...fake.handlers, who_can_take: () => [JO] });
    await user.keyboard("{ArrowLeft}");
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-task"))).toEqual(["t-call"]));
    await user.keyboard("h");
    const dialog = await screen.findByTestId("hand-off-dialog");
    const needs = within(dialog).getByTestId("hand-off-needs");
    expect(needs).toHaveTextContent("Scheduling for Lopez, Mia · for care coordinators");
    expect(needs).not.toHaveTextContent("license");
    expect(await within(dialog).findByTestId("hand-off-destination")).toHaveTextContent(
      "Goes to the care coordinator queue",
    );
    await user.click(within(dialog).getByRole("button", { name: "Hand off to Jo Banks" }));
    await waitFor(() => expect(screen.queryByTestId("hand-off-dialog")).not.toBeInTheDocument());
  });
});

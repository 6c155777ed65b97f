import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { InboxFilter } from "../../bindings/InboxFilter";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, TODAY, findFixture, searchFixtures, syncStatusOf, todayAt } from "../../test/fixtures";
import { KEMI, directoryEntries } from "../../test/operations";
import { inboxCore, manyThreads, sampleInbox, threadCore } from "../../test/threads";
import { FALLBACK_VIEWPORT } from "../common/VirtualList";
import { INBOX_ROW_HEIGHT, INBOX_WINDOW } from "./InboxScreen";
import { countdown, fillTemplate, spanLabel } from "./labels";

const search: Handler = ({ query, limit }) => searchFixtures(String(query), Number(limit));
const getPatient: Handler = ({ id }) => findFixture(String(id)) ?? failure("not_found", `no patient ${String(id)}`);

function renderApp(handlers: Record<string, Handler>) {
  const core = installCore({
    session: () => SESSION,
    search_patients: search,
    get_patient: getPatient,
    sync_status: () => syncStatusOf(),
    patient_chart: () => failure("not_found", "no chart in this test"),
    directory: () => directoryEntries(),
    ...handlers,
  });
  render(<App />);
  return core;
}

/** Signed in, then "g i": the inbox with its first rows. */
async function openInbox(handlers: Record<string, Handler>) {
  const core = renderApp(handlers);
  await screen.findAllByTestId("patient-row");
  const user = userEvent.setup();
  await user.keyboard("{Escape}gi");
  await screen.findByTestId("inbox-screen");
  await waitFor(() => expect(screen.getAllByTestId("inbox-row").length).toBeGreaterThan(0));
  return { core, user };
}

const rows = () => screen.getAllByTestId("inbox-row");
const selectedRow = () => screen.getAllByRole("option").find((r) => r.getAttribute("aria-selected") === "true");
const filters = (core: ReturnType<typeof installCore>) => core.argsOf("inbox").map((a) => a.filter as InboxFilter);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("inbox: the list", () => {
  it("is second in the top bar (g i), asks for the first window of My roles, and shows rows in the core's order", async () => {
    const { core } = await openInbox({ inbox: inboxCore(() => sampleInbox()) });

    const tabs = screen.getAllByRole("button").filter((b) => b.classList.contains("nav-tab"));
    expect(tabs.map((t) => t.textContent)).toEqual(["Patients", "Inbox", "Queues", "Directory", "Coverage"]);
    expect(screen.getByTestId("nav-inbox")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("nav-inbox")).toHaveAttribute("title", "Inbox (g then i)");
    expect(filters(core)[0]).toEqual({
      queue: "my_roles",
      urgent_only: false,
      unread_only: false,
      service_line: null,
      offset: 0,
      limit: INBOX_WINDOW,
    });

    expect(rows().map((r) => r.getAttribute("data-thread"))).toEqual(["th-urgent", "th-late", "th-answered", "th-escalated"]);
    expect(screen.getByRole("listbox", { name: "My roles threads" })).toHaveFocus();
    expect(selectedRow()).toHaveAttribute("data-thread", "th-urgent");

    // Tab badges: open threads per queue.
    expect(screen.getByTestId("inbox-tab-my_roles")).toHaveTextContent("My roles4");
    expect(screen.getByTestId("inbox-tab-review")).toHaveTextContent("Review2");
    expect(screen.getByTestId("inbox-tab-my_roles")).toHaveAttribute("aria-current", "true");
  });

  it("shows urgency, unread, who, the preview and a countdown worked out from the clock", async () => {
    await openInbox({ inbox: inboxCore(() => sampleInbox()) });
    const [urgent, late, answered, escalated] = rows() as [HTMLElement, HTMLElement, HTMLElement, HTMLElement];

    // 09:30 now; a reply is due at 09:44.
    expect(within(urgent).getByTestId("countdown")).toHaveTextContent("14 min left");
    expect(within(urgent).getByTestId("countdown")).not.toHaveClass("is-overdue");
    expect(within(urgent).getByText("Urgent")).toHaveClass("urgent-badge");
    expect(urgent).toHaveAttribute("data-unread", "true");
    expect(urgent).toHaveClass("is-unread");
    expect(within(urgent).getByTestId("unread-dot")).toBeInTheDocument();
    expect(urgent).toHaveTextContent("Unread:");
    expect(within(urgent).getByText("Lopez, Mia")).toBeInTheDocument();
    expect(within(urgent).getByText("7 y")).toBeInTheDocument();
    expect(within(urgent).getByText("CA")).toBeInTheDocument();
    expect(within(urgent).getByText("Unassigned")).toBeInTheDocument();
    expect(within(urgent).getByText("Mia is struggling to breathe tonight")).toBeInTheDocument();
    expect(within(urgent).queryByText("You:")).not.toBeInTheDocument();

    // Due at 09:25: five minutes late.
    expect(within(late).getByTestId("countdown")).toHaveTextContent("overdue 5 min");
    expect(within(late).getByTestId("countdown")).toHaveClass("is-overdue");
    expect(late).not.toHaveAttribute("data-unread");
    expect(within(late).queryByTestId("unread-dot")).not.toBeInTheDocument();
    expect(within(late).queryByText("Urgent")).not.toBeInTheDocument();
    expect(within(late).getByText("69 y")).toBeInTheDocument();
    expect(within(late).getByText(SESSION.practitioner.display_name)).toBeInTheDocument();

    // The care team spoke last: no clock, and the preview says so.
    expect(within(answered).queryByTestId("countdown")).not.toBeInTheDocument();
    expect(within(answered).getByText("You:")).toBeInTheDocument();

    // Escalated: who and why, on a small line (the name from the directory).
    expect(within(escalated).getByTestId("inbox-escalation")).toHaveTextContent(
      `Escalated to physician by ${KEMI.display_name}: possible drug interaction`,
    );
  });

  it("shows an unmatched number for triage", async () => {
    const core = inboxCore((f) =>
      f.queue === "triage"
        ? sampleInbox()
            .slice(0, 1)
            .map((i) => ({
              ...i,
              thread: { ...i.thread, id: "th-unknown", patient_id: null, from_number: "+14155550177" },
              patient_name: null,
              birth_date: null,
              state: null,
            }))
        : sampleInbox(),
    );
    const { user } = await openInbox({ inbox: core });
    await user.click(screen.getByTestId("inbox-tab-triage"));
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-thread"))).toEqual(["th-unknown"]));
    expect(rows()[0]).toHaveTextContent("(415) 555-0177");
    expect(rows()[0]).toHaveTextContent("Unmatched number");
  });
});

describe("inbox: queues and filters", () => {
  it("asks for the queue chosen by tab or arrow, and for urgent, unread and service line filters", async () => {
    const { core, user } = await openInbox({ inbox: inboxCore(() => sampleInbox()) });

    await user.click(screen.getByTestId("inbox-tab-review"));
    await waitFor(() => expect(filters(core).at(-1)).toMatchObject({ queue: "review", offset: 0, limit: INBOX_WINDOW }));
    expect(screen.getByTestId("inbox-tab-review")).toHaveAttribute("aria-current", "true");
    expect(screen.getByRole("listbox", { name: "Review threads" })).toHaveFocus();

    await user.keyboard("{ArrowLeft}");
    await waitFor(() => expect(filters(core).at(-1)).toMatchObject({ queue: "unassigned" }));
    await user.keyboard("{ArrowLeft}{ArrowLeft}");
    await waitFor(() => expect(filters(core).at(-1)).toMatchObject({ queue: "mine" }));

    await user.keyboard("u");
    await waitFor(() => expect(filters(core).at(-1)).toMatchObject({ queue: "mine", urgent_only: true, unread_only: false }));
    expect(screen.getByRole("checkbox", { name: /Urgent only/ })).toBeChecked();
    await user.keyboard("n");
    await waitFor(() => expect(filters(core).at(-1)).toMatchObject({ urgent_only: true, unread_only: true }));

    await user.click(screen.getByRole("radio", { name: "Pediatric (SMS)" }));
    await waitFor(() =>
      expect(filters(core).at(-1)).toEqual({
        queue: "mine",
        urgent_only: true,
        unread_only: true,
        service_line: "pediatric_sms",
        offset: 0,
        limit: INBOX_WINDOW,
      }),
    );

    // "/" goes to the filters.
    screen.getByRole("listbox").focus();
    await user.keyboard("/");
    expect(screen.getByRole("checkbox", { name: /Urgent only/ })).toHaveFocus();
  });

  it("words an empty queue calmly, and says when filters hide everything", async () => {
    const { user } = await openInbox({
      inbox: inboxCore((f) => (f.queue === "my_roles" && !f.urgent_only ? sampleInbox() : [])),
    });
    await user.click(screen.getByTestId("inbox-tab-review"));
    expect(await screen.findByTestId("inbox-empty")).toHaveTextContent("Nothing is waiting for review.");
    await user.click(screen.getByTestId("inbox-tab-my_roles"));
    await waitFor(() => expect(rows()).toHaveLength(4));
    await user.keyboard("u");
    expect(await screen.findByTestId("inbox-empty")).toHaveTextContent("No threads match these filters.");
  });

  it("reads the rows in view again after each sync round", async () => {
    let status: SyncStatus = syncStatusOf();
    let list = sampleInbox();
    const { core } = await openInbox({ inbox: inboxCore(() => list), sync_status: () => status });
    const before = core.argsOf("inbox").length;
    list = list.slice(1);
    status = syncStatusOf({ last_synced_at: todayAt(9, 31) });
    await waitFor(() => expect(core.argsOf("inbox").length).toBeGreaterThan(before), { timeout: 4000 });
    await waitFor(() => expect(rows()).toHaveLength(3));
  });
});

describe("inbox: many threads", () => {
  it("reads windows of rows as the list scrolls and renders only those in view", async () => {
    const { core } = await openInbox({ inbox: inboxCore(() => manyThreads(10_000)) });

    expect(filters(core)).toHaveLength(1);
    expect(filters(core)[0]).toMatchObject({ offset: 0, limit: INBOX_WINDOW });
    const visible = Math.ceil(FALLBACK_VIEWPORT / INBOX_ROW_HEIGHT);
    expect(rows().length).toBeLessThanOrEqual(visible + 4);
    expect(screen.getByTestId("inbox-tab-my_roles")).toHaveTextContent("10,000");

    const list = screen.getByRole("listbox", { name: "My roles threads" });
    expect(list.firstElementChild).toHaveStyle({ height: `${10_000 * INBOX_ROW_HEIGHT}px` });
    list.scrollTop = 5_000 * INBOX_ROW_HEIGHT;
    fireEvent.scroll(list);

    // The pages holding the rows in view around row 5,000 (and some either side): rows
    // 4,996 to 5,013 lie across two pages of INBOX_WINDOW rows.
    await waitFor(() => expect(filters(core)).toHaveLength(3));
    const pages = filters(core)
      .slice(1)
      .map(({ offset, limit }) => ({ offset, limit }));
    expect(pages).toEqual([
      { offset: 4_900, limit: INBOX_WINDOW },
      { offset: 5_000, limit: INBOX_WINDOW },
    ]);
    expect(await screen.findByText("Patient 5001")).toBeInTheDocument();
    expect(screen.queryByText("Patient 1")).not.toBeInTheDocument();
    expect(rows().length).toBeLessThanOrEqual(visible + 8);

    // Scrolling a little further needs nothing new.
    list.scrollTop = 5_010 * INBOX_ROW_HEIGHT;
    fireEvent.scroll(list);
    expect(await screen.findByText("Patient 5011")).toBeInTheDocument();
    expect(filters(core)).toHaveLength(3);
  });
});

describe("inbox and thread", () => {
  it("Enter opens the highlighted thread; Esc comes back to the same queue and row", async () => {
    const fake = threadCore({ thread: sampleInbox()[2]!.thread });
    const { core, user } = await openInbox({ ...fake.handlers, inbox: inboxCore(() => sampleInbox()) });

    await user.click(screen.getByTestId("inbox-tab-unassigned"));
    await waitFor(() => expect(filters(core).at(-1)).toMatchObject({ queue: "unassigned" }));
    await user.keyboard("jj");
    expect(selectedRow()).toHaveAttribute("data-thread", "th-answered");
    await user.keyboard("{Enter}");

    const thread = await screen.findByTestId("thread-screen");
    expect(thread).toHaveAttribute("data-thread", "th-answered");
    expect(core.argsOf("open_thread")).toEqual([{ threadId: "th-answered" }]);
    expect(screen.queryByTestId("inbox-screen")).not.toBeInTheDocument();
    await screen.findAllByTestId("message");

    await user.keyboard("{Escape}");
    await screen.findByTestId("inbox-screen");
    await waitFor(() => expect(selectedRow()).toHaveAttribute("data-thread", "th-answered"));
    expect(screen.getByTestId("inbox-tab-unassigned")).toHaveAttribute("aria-current", "true");
    expect(screen.getByRole("listbox", { name: "Unassigned threads" })).toHaveFocus();
  });

  it("claims the highlighted thread with c and says where it went", async () => {
    const fake = threadCore();
    const { core, user } = await openInbox({ ...fake.handlers, inbox: inboxCore(() => sampleInbox()) });
    await user.keyboard("c");
    expect(core.argsOf("thread_action")).toEqual([{ threadId: "th-urgent", action: { action: "claim" } }]);
    expect(await screen.findByTestId("inbox-status")).toHaveTextContent("Claimed: Lopez, Mia. It is in Mine now.");
  });
});

describe("countdown wording", () => {
  const now = new Date(2026, 3, 20, 9, 30);
  const at = (h: number, m: number, s = 0) => new Date(2026, 3, 20, h, m, s).toISOString();

  it("rounds time left up and lateness down, in minutes, hours and days", () => {
    expect(countdown(null, now)).toBeNull();
    expect(countdown(at(9, 44), now)).toEqual({ text: "14 min left", overdue: false });
    expect(countdown(at(9, 30, 20), now)).toEqual({ text: "1 min left", overdue: false });
    expect(countdown(at(11, 35), now)).toEqual({ text: "2 h 5 min left", overdue: false });
    expect(countdown(at(9, 29, 30), now)).toEqual({ text: "due now", overdue: true });
    expect(countdown(at(9, 25), now)).toEqual({ text: "overdue 5 min", overdue: true });
    expect(countdown(new Date(2026, 3, 18, 8, 30).toISOString(), now)).toEqual({ text: "overdue 2 d 1 h", overdue: true });
    expect(spanLabel(120)).toBe("2 h");
  });

  it("fills quick replies with the first name, or leaves the name out", () => {
    expect(fillTemplate("Thanks, {first}. I'm on it.", "Mia")).toBe("Thanks, Mia. I'm on it.");
    expect(fillTemplate("Thanks, {first}. I'm on it.", null)).toBe("Thanks. I'm on it.");
    expect(fillTemplate("{first}, this needs a look.", null)).toBe("This needs a look.");
  });
});

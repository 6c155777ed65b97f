import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { Summary } from "../../bindings/Summary";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { ADULT_CATALOG, viewFor } from "../../test/charting";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { MIA, SESSION, TODAY, findFixture, searchFixtures, syncStatusOf, todayAt } from "../../test/fixtures";
import { KEMI, LEE } from "../../test/operations";
import { WithQueries } from "../../test/query";
import { ANA, inboxCore, makeThread, sampleInbox, threadCore, type ThreadFakeOptions } from "../../test/threads";
import { SyncProvider } from "../sync/SyncContext";
import { ESTIMATED_HEIGHT } from "./MessageList";
import { HIGHLIGHT_MS, ThreadScreen } from "./ThreadScreen";
import { ACTIVE_TICK_MS, FLUSH_SECONDS, IDLE_AFTER_MS } from "./useActiveTime";

function Harness({ threadId, onBack, onOpenChart }: { threadId: string; onBack: () => void; onOpenChart: () => void }) {
  const [draft, setDraft] = useState("");
  return (
    <WithQueries>
    <SyncProvider>
      <ThreadScreen
        session={SESSION}
        threadId={threadId}
        draft={draft}
        onDraft={setDraft}
        onBack={onBack}
        onOpenChart={onOpenChart}
      />
    </SyncProvider>
    </WithQueries>
  );
}

function renderThread(options: ThreadFakeOptions = {}, handlers: Record<string, Handler> = {}) {
  const fake = threadCore(options);
  const core = installCore({ sync_status: () => syncStatusOf(), ...fake.handlers, ...handlers });
  const onBack = vi.fn();
  const onOpenChart = vi.fn();
  const utils = render(<Harness threadId={fake.thread().id} onBack={onBack} onOpenChart={onOpenChart} />);
  return { fake, core, onBack, onOpenChart, unmount: utils.unmount };
}

/** Rendered, with the newest messages on screen. */
async function openThread(options: ThreadFakeOptions = {}, handlers: Record<string, Handler> = {}) {
  const opened = renderThread(options, handlers);
  await screen.findAllByTestId("message");
  return { ...opened, user: userEvent.setup() };
}

const reply = () => screen.getByRole("textbox", { name: "Reply" });
const messageAt = (index: number) => document.querySelector<HTMLElement>(`[data-testid="message"][data-index="${index}"]`);

const SUMMARY: Summary = {
  messages: 12,
  sentences: [
    { kind: "symptom", text: "Fever to 102.4 since last night.", sources: ["m-2", "m-10"], new: false },
    { kind: "concern", text: "Worried about her breathing.", sources: ["m-10"], new: true },
    { kind: "medication", text: "Gave ibuprofen at 6 am.", sources: ["m-4"], new: false },
    { kind: "question", text: "Should she stay home from school?", sources: ["m-8"], new: true },
    { kind: "action_item", text: "Send a photo of the rash.", sources: ["m-6"], new: false },
  ],
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("thread: opening", () => {
  it("reads only the newest window of a 10,000-message thread and opens at the bottom with the 'new' line", async () => {
    const { core } = await openThread({ messages: 10_000, firstUnread: 9_995, lastReadAt: todayAt(8, 0) });

    // One request: the newest window comes with the thread, nothing else is read to paint it.
    expect(core.argsOf("open_thread")).toEqual([{ threadId: "th-mia" }]);
    expect(core.argsOf("thread_messages")).toHaveLength(0);

    const shown = screen.getAllByTestId("message");
    expect(shown.length).toBeLessThanOrEqual(40);
    expect(shown.at(-1)).toHaveTextContent("Message 10000");
    expect(screen.queryByText("Message 1")).not.toBeInTheDocument();

    const divider = screen.getByTestId("unread-divider");
    expect(divider).toHaveTextContent("New since you last read");
    expect(divider.closest("[data-index]")).toHaveAttribute("data-index", "9995");

    const list = screen.getByRole("list", { name: "Messages" });
    expect(list.scrollTop).toBeGreaterThan(9_900 * ESTIMATED_HEIGHT);
    expect(list).toHaveFocus();
  });

  it("puts the patient left and the care team right, with author, time and delivery", async () => {
    await openThread({ messages: 4 });
    const inbound = messageAt(2)!;
    expect(inbound).toHaveClass("message-inbound");
    expect(inbound).toHaveTextContent("Lopez, Mia");
    expect(inbound).toHaveTextContent("06:02");
    expect(within(inbound).queryByTestId("delivery")).not.toBeInTheDocument();
    const outbound = messageAt(3)!;
    expect(outbound).toHaveClass("message-outbound");
    expect(outbound).toHaveTextContent("You");
    expect(within(outbound).getByTestId("delivery")).toHaveTextContent("Delivered");
  });

  it("shows the patient, the thread's state, who escalated and why, and the week's async time", async () => {
    await openThread({
      thread: makeThread("th-mia", {
        assignee_id: LEE.id,
        respond_by: todayAt(9, 44),
        urgent: true,
        escalation: { by: KEMI.id, to: "physician", reason: "possible pneumonia", at: todayAt(9, 0), task_id: "t-1" },
        status: "awaiting_review",
      }),
      minutes: 7,
      code: "99421",
      names: { assignee_name: LEE.display_name },
    });
    expect(screen.getByTestId("thread-name")).toHaveTextContent("Lopez, Mia");
    const header = screen.getByTestId("thread-name").parentElement!;
    expect(header).toHaveTextContent("7 y · Female");
    expect(header).toHaveTextContent("Located in CA");
    expect(header).toHaveTextContent("Pediatric (SMS)");
    expect(screen.getByTestId("thread-status-badge")).toHaveTextContent("Awaiting review");
    expect(screen.getByTestId("thread-assignee")).toHaveTextContent(`Assigned to ${LEE.display_name}`);
    expect(within(header).getByTestId("countdown")).toHaveTextContent("14 min left");
    expect(screen.getByTestId("thread-escalation")).toHaveTextContent(
      `Escalated to physician by ${KEMI.display_name}: possible pneumonia`,
    );
    expect(screen.getByTestId("evisit-time")).toHaveTextContent("Async time this week: 7 min → 99421");

    const context = screen.getByTestId("thread-context");
    expect(within(context).getByRole("region", { name: "Allergies" })).toHaveTextContent("Penicillin — Hives");
    expect(within(context).getByRole("region", { name: "Medications" })).toHaveTextContent("Albuterol HFA");
    expect(within(context).getByRole("region", { name: "Problems" })).toHaveTextContent("Mild persistent asthma");
    expect(within(context).getByTestId("thread-guardian")).toHaveTextContent("Rosa Lopez (mother)");
    expect(screen.getByRole("button", { name: "Mark reviewed" })).toHaveAttribute("title", "Mark reviewed (r)");
  });
});

describe("thread: summary", () => {
  it("loads after the messages, in sections, with New badges and numbered citations", async () => {
    const { core } = await openThread({ summary: SUMMARY, lastReadAt: todayAt(6, 5) });
    const panel = screen.getByTestId("thread-summary");
    await waitFor(() => expect(within(panel).getAllByTestId("summary-sentence")).toHaveLength(5));
    expect(core.argsOf("thread_summary")).toEqual([{ threadId: "th-mia", lastReadAt: todayAt(6, 5) }]);
    // Asked for once the messages were read.
    const order = core.calls.map((c) => c.cmd);
    expect(order.indexOf("thread_summary")).toBeGreaterThan(order.indexOf("thread_messages"));

    expect(within(panel).getAllByRole("heading", { level: 3 }).map((h) => h.textContent)).toEqual([
      "Concerns",
      "Symptoms",
      "Medications",
      "Unanswered questions",
      "Action items",
    ]);
    const sentences = within(panel).getAllByTestId("summary-sentence");
    expect(sentences[0]).toHaveTextContent("NewWorried about her breathing.[1]");
    expect(sentences[0]).toHaveAttribute("data-new", "true");
    // m-10 is [1] wherever it is cited.
    expect(sentences[1]).toHaveTextContent("Fever to 102.4 since last night.[2][1]");
    expect(sentences[1]).not.toHaveAttribute("data-new");
    expect(within(sentences[1]!).queryByText("New")).not.toBeInTheDocument();
  });

  it("a citation scrolls the list to its message and highlights it for a moment", async () => {
    const summary: Summary = {
      messages: 2,
      sentences: [{ kind: "symptom", text: "Rash on both arms.", sources: ["m-37", "m-9990"], new: false }],
    };
    const { core, user } = await openThread({ messages: 10_000, summary });
    const list = screen.getByRole("list", { name: "Messages" });
    const [first] = await within(screen.getByTestId("thread-summary")).findAllByTestId("citation");

    await user.click(first!);
    expect(core.argsOf("message_position")).toEqual([{ threadId: "th-mia", messageId: "m-37" }]);
    // The window around message 37 is read, and it shows highlighted.
    await waitFor(() => expect(messageAt(37)).toHaveAttribute("data-highlighted", "true"));
    expect(core.argsOf("thread_messages").at(-1)!.offset as number).toBeLessThanOrEqual(37);
    expect(list.scrollTop).toBeLessThan(37 * ESTIMATED_HEIGHT);
    expect(list.scrollTop).toBeGreaterThan(37 * ESTIMATED_HEIGHT - 640);
    expect(screen.getByTestId("thread-notice")).toHaveTextContent("Showing cited message 1.");

    // Enter on the other chip goes there just the same.
    const second = within(screen.getByTestId("thread-summary")).getAllByTestId("citation")[1]!;
    second.focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(messageAt(9990)).toHaveAttribute("data-highlighted", "true"));
    expect(messageAt(37)).toBeNull();
  });

  it("the highlight fades after a moment", async () => {
    // Faking more than the clock: start over (a second useFakeTimers keeps the first list).
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    vi.setSystemTime(TODAY);
    const summary: Summary = { messages: 1, sentences: [{ kind: "concern", text: "Cough.", sources: ["m-3"], new: false }] };
    renderThread({ summary });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10);
    });
    await act(async () => {
      screen.getAllByTestId("citation")[0]!.click();
      await vi.advanceTimersByTimeAsync(10);
    });
    expect(messageAt(3)).toHaveAttribute("data-highlighted", "true");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(HIGHLIGHT_MS);
    });
    expect(messageAt(3)).not.toHaveAttribute("data-highlighted");
  });
});

describe("thread: replying", () => {
  it("Ctrl+Enter sends the reply, clears the box and shows it queued at the bottom", async () => {
    const { core, user } = await openThread({ thread: makeThread("th-mia", { respond_by: todayAt(9, 44) }) });
    await user.click(reply());
    await user.keyboard("Fever is expected for 2-3 days.");
    await user.keyboard("{Control>}{Enter}{/Control}");

    expect(core.argsOf("post_message")).toEqual([{ threadId: "th-mia", body: "Fever is expected for 2-3 days." }]);
    await waitFor(() => expect(reply()).toHaveValue(""));
    const sent = messageAt(12)!;
    expect(sent).toHaveTextContent("Fever is expected for 2-3 days.");
    expect(sent).toHaveClass("message-outbound");
    expect(within(sent).getByTestId("delivery")).toHaveTextContent("Queued");
    // The reply stops the clock.
    await waitFor(() => expect(screen.queryByTestId("countdown")).not.toBeInTheDocument());
  });

  it("keeps the text and says why when the reply cannot be sent", async () => {
    const { user } = await openThread({}, { post_message: () => failure("invalid_input", "the message is empty") });
    await user.click(reply());
    await user.keyboard("Hello{Control>}{Enter}{/Control}");
    expect(await screen.findByText("Not sent: the message is empty")).toBeInTheDocument();
    expect(reply()).toHaveValue("Hello");
  });

  it("Alt+number and the buttons put quick replies in the box, with the patient's first name", async () => {
    const { user } = await openThread();
    await user.keyboard("{Alt>}1{/Alt}");
    expect(reply()).toHaveValue("Thanks, Mia. I'm reviewing this now and will reply shortly.");
    expect(reply()).toHaveFocus();
    await user.click(screen.getByRole("button", { name: "Photo" }));
    expect(reply()).toHaveValue(
      "Thanks, Mia. I'm reviewing this now and will reply shortly. Can you send a photo? Good light and a coin beside it for size help.",
    );
    const quick = within(screen.getByRole("group", { name: "Quick replies" })).getAllByRole("button");
    expect(quick.length).toBeGreaterThanOrEqual(3);
    expect(quick.length).toBeLessThanOrEqual(6);
    expect(quick.some((b) => b.title.includes("Please call 911 or go to the nearest ER"))).toBe(true);
  });

  it("a closed thread takes no reply until it is reopened", async () => {
    const { core, user } = await openThread({ thread: makeThread("th-mia", { status: "closed" }) });
    expect(reply()).toBeDisabled();
    expect(screen.getByTestId("composer-closed")).toHaveTextContent("This thread is closed. Reopen it (o) to reply.");
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Reviewing" })).toBeDisabled();
    await user.keyboard("{Alt>}1{/Alt}");
    expect(reply()).toHaveValue("");
    expect(screen.getByRole("button", { name: "Claim" })).toBeDisabled();

    await user.keyboard("o");
    expect(core.argsOf("thread_action")).toEqual([{ threadId: "th-mia", action: { action: "reopen" } }]);
    await waitFor(() => expect(reply()).toBeEnabled());
    expect(screen.getByTestId("thread-notice")).toHaveTextContent("Reopened.");
  });
});

describe("thread: actions", () => {
  it("claims, asks for review, marks reviewed and closes by key", async () => {
    const { core, user } = await openThread();
    await user.keyboard("c");
    await waitFor(() => expect(screen.getByTestId("thread-assignee")).toHaveTextContent("Assigned to you"));
    await user.keyboard("q");
    await waitFor(() => expect(screen.getByTestId("thread-status-badge")).toHaveTextContent("Awaiting review"));
    await user.keyboard("r");
    await waitFor(() => expect(screen.getByTestId("thread-reviewed")).toHaveTextContent(`Reviewed by ${ANA.display_name}`));
    await user.keyboard("x");
    await waitFor(() => expect(screen.getByTestId("thread-status-badge")).toHaveTextContent("Closed"));
    expect(core.argsOf("thread_action").map((a) => a.action)).toEqual([
      { action: "claim" },
      { action: "request_review" },
      { action: "mark_reviewed" },
      { action: "close" },
    ]);
  });

  it("shows a refusal inline, in the core's words", async () => {
    const { user } = await openThread({}, { thread_action: () => failure("invalid_input", "a colleague has this thread") });
    await user.keyboard("c");
    const notice = await screen.findByRole("alert");
    expect(notice).toHaveTextContent("Not claimed: a colleague has this thread");
    expect(screen.getByTestId("thread-assignee")).toHaveTextContent("Unassigned");
  });

  it("escalating needs a reason, then goes to the physicians with it", async () => {
    const { core, user } = await openThread();
    await user.keyboard("e");
    const dialog = await screen.findByTestId("escalate-dialog");
    const reason = within(dialog).getByRole("textbox", { name: "Reason" });
    expect(reason).toHaveFocus();

    await user.click(within(dialog).getByRole("button", { name: "Escalate to physician" }));
    expect(within(dialog).getByText("A reason is needed to escalate.")).toBeInTheDocument();
    expect(reason).toHaveAttribute("aria-invalid", "true");
    expect(core.argsOf("thread_action")).toEqual([]);

    await user.type(reason, "   ");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(core.argsOf("thread_action")).toEqual([]);

    await user.clear(reason);
    await user.type(reason, "Wheeze not settling with albuterol");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(core.argsOf("thread_action")).toHaveLength(1);
    expect(core.argsOf("thread_action")[0]).toMatchObject({
      threadId: "th-mia",
      action: { action: "escalate", to: "physician", reason: "Wheeze not settling with albuterol" },
    });
    await waitFor(() => expect(screen.queryByTestId("escalate-dialog")).not.toBeInTheDocument());
    await waitFor(() =>
      expect(screen.getByTestId("thread-escalation")).toHaveTextContent(
        `Escalated to physician by ${ANA.display_name}: Wheeze not settling with albuterol`,
      ),
    );
  });

  it("assigns to a colleague from the directory (not oneself)", async () => {
    const { core, user } = await openThread();
    await user.keyboard("a");
    const dialog = await screen.findByTestId("assign-dialog");
    const list = await within(dialog).findByRole("listbox", { name: "Colleague" });
    await waitFor(() => expect(list).toHaveFocus());
    const names = within(list)
      .getAllByRole("option")
      .map((o) => o.querySelector(".hand-off-name")?.textContent);
    expect(names).not.toContain(ANA.display_name);
    expect(names).toContain(LEE.display_name);
    await user.keyboard(String(names.indexOf(LEE.display_name) + 1));
    await user.keyboard("{Enter}");
    expect(core.argsOf("thread_action")).toEqual([{ threadId: "th-mia", action: { action: "assign", to: LEE.id } }]);
    await waitFor(() => expect(screen.queryByTestId("assign-dialog")).not.toBeInTheDocument());
    expect(screen.getByTestId("thread-notice")).toHaveTextContent(`Assigned to ${LEE.display_name}.`);
  });

  it("links a thread from an unknown number to the patient found", async () => {
    const { core, user } = await openThread(
      { thread: makeThread("th-unknown", { patient_id: null, from_number: "+14155550177" }), patient: null },
      { search_patients: ({ query, limit }) => searchFixtures(String(query).startsWith("+") ? "" : String(query), Number(limit)) },
    );
    expect(screen.getByTestId("thread-name")).toHaveTextContent("(415) 555-0177");
    expect(screen.getByTestId("thread-context")).toHaveTextContent("This number matches no patient on file.");
    expect(screen.getByRole("button", { name: "Escalate to physician…" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Convert to e-visit" })).toBeDisabled();

    await user.keyboard("l");
    const dialog = await screen.findByTestId("link-patient-dialog");
    const box = within(dialog).getByRole("textbox", { name: "Search patients" });
    expect(box).toHaveFocus();
    expect(box).toHaveValue("+14155550177");
    await user.clear(box);
    await user.type(box, "lopez");
    await waitFor(() => expect(within(dialog).getAllByRole("option")).toHaveLength(1));
    await user.keyboard("{Enter}");
    expect(core.argsOf("thread_action")).toEqual([
      { threadId: "th-unknown", action: { action: "link_patient", patient_id: MIA.id } },
    ]);
    await waitFor(() => expect(screen.getByTestId("thread-name")).toHaveTextContent("Lopez, Mia"));
  });

  it("Esc goes back", async () => {
    const { onBack, user } = await openThread();
    await user.keyboard("{Escape}");
    expect(onBack).toHaveBeenCalledTimes(1);
    // In the reply box, Esc only leaves the box.
    await user.click(reply());
    await user.keyboard("{Escape}");
    expect(reply()).not.toHaveFocus();
    expect(onBack).toHaveBeenCalledTimes(1);
  });
});

describe("thread: live", () => {
  it("follows new messages from sync while at the bottom", async () => {
    let status: SyncStatus = syncStatusOf();
    const { fake, core } = await openThread({}, { sync_status: () => status });
    const opens = core.argsOf("open_thread").length;
    fake.receive("Now she has a rash too");
    status = syncStatusOf({ last_synced_at: todayAt(9, 32) });
    await waitFor(() => expect(core.argsOf("open_thread").length).toBeGreaterThan(opens), { timeout: 4000 });
    await waitFor(() => expect(messageAt(12)).toHaveTextContent("Now she has a rash too"));
    const list = screen.getByRole("list", { name: "Messages" });
    expect(list.scrollTop + 640).toBeGreaterThanOrEqual(13 * ESTIMATED_HEIGHT);
  });
});

describe("thread: anchoring", () => {
  it("keeps what the clinician reads in place while new messages arrive, and offers the newest", async () => {
    let status: SyncStatus = syncStatusOf();
    const { fake, core } = await openThread({ messages: 200 }, { sync_status: () => status });
    const list = screen.getByRole("list", { name: "Messages" });
    list.scrollTop = 50 * ESTIMATED_HEIGHT;
    fireEvent.scroll(list);
    expect(await screen.findByRole("button", { name: "Newest messages ↓" })).toBeInTheDocument();
    await waitFor(() => expect(messageAt(50)).toBeInTheDocument());

    const opens = core.argsOf("open_thread").length;
    fake.receive("Now she has a rash too");
    status = syncStatusOf({ last_synced_at: todayAt(9, 32) });
    await waitFor(() => expect(core.argsOf("open_thread").length).toBeGreaterThan(opens), { timeout: 4000 });
    await waitFor(() => expect(messageAt(50)).toHaveAttribute("data-index", "50"));
    await waitFor(() =>
      expect(screen.getByRole("list", { name: "Messages" }).querySelector('[aria-setsize="201"]')).not.toBeNull(),
    );
    expect(list.scrollTop).toBe(50 * ESTIMATED_HEIGHT);

    await userEvent.setup().click(screen.getByRole("button", { name: "Newest messages ↓" }));
    expect(await screen.findByText("Now she has a rash too")).toBeInTheDocument();
  });

  it("opens at the newest of 10,000 messages when they measure taller than estimated, with only a window in the DOM", async () => {
    // jsdom has no layout: every message row measures 130 px here (the estimate is 76).
    vi.spyOn(HTMLElement.prototype, "offsetHeight", "get").mockImplementation(function (this: HTMLElement) {
      return this.classList.contains("message-row") ? 130 : 0;
    });
    await openThread({ messages: 10_000 });
    const list = screen.getByRole("list", { name: "Messages" });
    await waitFor(() => expect(screen.getAllByTestId("message").at(-1)).toHaveTextContent("Message 10000"));
    expect(screen.getAllByTestId("message").length).toBeLessThanOrEqual(40);
    const spacer = list.firstElementChild as HTMLElement;
    const height = parseFloat(spacer.style.height);
    expect(height).toBeGreaterThan(10_000 * ESTIMATED_HEIGHT);
    expect(list.scrollTop + 640).toBeGreaterThanOrEqual(height - 32);
  });
});

describe("thread: time on it", () => {
  beforeEach(() => {
    // The clock and the seconds' ticks (a second useFakeTimers keeps the first list: start over).
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval"] });
    vi.setSystemTime(TODAY);
  });

  it("counts active seconds, records each minute, stops when idle, and records the rest on leaving", async () => {
    const { core, unmount } = renderThread({ minutes: 7, code: "99421" });
    await screen.findAllByTestId("message");
    expect(screen.getByTestId("evisit-time")).toHaveTextContent("Async time this week: 7 min → 99421");
    // The composer takes the focus once the thread has drawn (later than the messages on a busy
    // machine): time counts only while the window has it.
    await waitFor(() => expect(document.hasFocus()).toBe(true));

    // A minute of work (a key now and then): one report of 60 seconds.
    for (let s = 0; s < FLUSH_SECONDS; s += 20) {
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "Shift" }));
      await act(async () => {
        vi.advanceTimersByTime(20 * ACTIVE_TICK_MS);
      });
    }
    expect(core.argsOf("log_thread_time")).toEqual([{ threadId: "th-mia", seconds: 60 }]);
    await waitFor(() => expect(screen.getByTestId("evisit-time")).toHaveTextContent("Async time this week: 8 min"));

    // Away from the keyboard (the last key was at 0:40): counting stops a minute later, at 1:40.
    await act(async () => {
      vi.advanceTimersByTime(IDLE_AFTER_MS + 5 * 60_000);
    });
    expect(core.argsOf("log_thread_time")).toHaveLength(1);

    // Back for 15 seconds, then the screen closes: the 40 + 15 seconds not yet recorded are.
    document.dispatchEvent(new MouseEvent("mousemove"));
    await act(async () => {
      vi.advanceTimersByTime(15 * ACTIVE_TICK_MS);
    });
    expect(core.argsOf("log_thread_time")).toHaveLength(1);
    unmount();
    expect(core.argsOf("log_thread_time")[1]).toEqual({ threadId: "th-mia", seconds: 55 });
  });

  it("records nothing for a thread closed at once", async () => {
    const { core, unmount } = renderThread();
    await screen.findAllByTestId("message");
    unmount();
    expect(core.argsOf("log_thread_time")).toEqual([]);
  });
});

describe("thread: e-visit", () => {
  it("Convert to e-visit makes the visit and opens it for charting; closing it comes back to the thread", async () => {
    const fake = threadCore({ thread: sampleInbox()[0]!.thread });
    const core = installCore({
      session: () => SESSION,
      search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
      get_patient: ({ id }) => findFixture(String(id)) ?? failure("not_found", "no such patient"),
      sync_status: () => syncStatusOf(),
      patient_chart: () => failure("not_found", "no chart in this test"),
      inbox: inboxCore(() => sampleInbox()),
      get_encounter: ({ encounterId }) => {
        const view = viewFor(MIA);
        return { ...view, encounter: { ...view.encounter, id: String(encounterId), mode: "async" } };
      },
      complaints: () => ADULT_CATALOG,
      ...fake.handlers,
    });
    render(<App />);
    await screen.findAllByTestId("patient-row");
    const user = userEvent.setup();
    await user.keyboard("{Escape}gi");
    await waitFor(() => expect(screen.getAllByTestId("inbox-row").length).toBeGreaterThan(0));
    await user.keyboard("{Enter}");
    await screen.findAllByTestId("message");

    await user.click(screen.getByRole("button", { name: "Convert to e-visit" }));
    expect(core.argsOf("convert_thread_to_evisit")).toEqual([{ threadId: "th-urgent" }]);
    const charting = await screen.findByTestId("charting");
    expect(charting).toHaveAttribute("data-encounter", "enc-1");
    expect(core.argsOf("get_encounter")).toEqual([{ encounterId: "enc-1" }]);
    expect(screen.queryByTestId("thread-screen")).not.toBeInTheDocument();

    await user.click(within(charting).getByRole("button", { name: /Close/ }));
    expect(await screen.findByTestId("thread-screen")).toHaveAttribute("data-thread", "th-urgent");
  });

  it("v does the same by key, and a refusal is shown inline", async () => {
    const { user, onOpenChart } = await openThread(
      {},
      { convert_thread_to_evisit: () => failure("forbidden", "only clinicians chart visits") },
    );
    await user.keyboard("v");
    expect(await screen.findByRole("alert")).toHaveTextContent("No e-visit: only clinicians chart visits");
    expect(onOpenChart).not.toHaveBeenCalled();
  });
});

import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { SessionSummary } from "../../bindings/SessionSummary";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, TODAY, searchFixtures, syncStatusOf, todayAt } from "../../test/fixtures";

const THIS_DEVICE: SessionSummary = {
  id: "0190f5c2-0000-7000-8000-000000000001",
  created_at: todayAt(7, 55),
  last_used_at: todayAt(9, 29),
  client: "Rounds/0.1 (macOS 15)",
  current: true,
};
const LAPTOP: SessionSummary = {
  id: "0190f5c2-0000-7000-8000-000000000002",
  created_at: new Date(2026, 3, 14, 18, 2).toISOString(),
  last_used_at: todayAt(6, 40),
  client: "Rounds/0.1 (Windows 11)",
  current: false,
};
const OLD_PC: SessionSummary = {
  id: "0190f5c2-0000-7000-8000-000000000003",
  created_at: new Date(2026, 2, 30, 8, 0).toISOString(),
  last_used_at: new Date(2026, 3, 2, 17, 45).toISOString(),
  client: "Rounds/0.1 (Ubuntu 24.04)",
  current: false,
};

/** The server's sessions: ending one removes it. */
function sessionCore(initial: SessionSummary[]) {
  let live = [...initial];
  const handlers: Record<string, Handler> = {
    sessions: () => live,
    revoke_session: ({ sessionId }) => {
      live = live.filter((s) => s.id !== sessionId);
      return null;
    },
  };
  return handlers;
}

async function openSessions(handlers: Record<string, Handler>, session: SessionInfo = SESSION) {
  const core = installCore({
    session: () => session,
    search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
    sync_status: () => syncStatusOf(),
    ...handlers,
  });
  render(<App />);
  await screen.findAllByTestId("patient-row");
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "Sessions" }));
  const dialog = await screen.findByTestId("sessions-dialog");
  return { core, user, dialog };
}

const rows = () => screen.getAllByTestId("session-row");

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("sessions", () => {
  it("lists the user's sessions from the top bar, this device's marked", async () => {
    const { core, dialog } = await openSessions(sessionCore([THIS_DEVICE, LAPTOP, OLD_PC]));
    expect(dialog).toHaveAttribute("role", "dialog");
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(core.argsOf("sessions")).toEqual([{}]);
    expect(within(dialog).getByRole("listbox")).toHaveFocus();

    const [mine, laptop, old] = rows() as [HTMLElement, HTMLElement, HTMLElement];
    expect(mine).toHaveTextContent("Rounds/0.1 (macOS 15)This device");
    expect(mine).toHaveTextContent("Started 07:55 · last used 09:29");
    expect(laptop).toHaveTextContent("Rounds/0.1 (Windows 11)");
    expect(laptop).toHaveTextContent("Started 04/14/2026 18:02 · last used 06:40");
    expect(within(laptop).queryByText("This device")).not.toBeInTheDocument();
    expect(old).toHaveTextContent("Started 03/30/2026 08:00 · last used 04/02/2026 17:45");
  });

  it("ends another device's session after asking, then lists the sessions again", async () => {
    const { core, user, dialog } = await openSessions(sessionCore([THIS_DEVICE, LAPTOP, OLD_PC]));
    await waitFor(() => expect(rows()).toHaveLength(3));

    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(rows()[2]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Delete}");
    const ask = within(dialog).getByRole("group", { name: "End this session?" });
    expect(ask).toHaveTextContent("End the session on Rounds/0.1 (Ubuntu 24.04)?");
    expect(within(ask).getByRole("button", { name: "End session" })).toHaveFocus();
    expect(core.argsOf("revoke_session")).toEqual([]);

    await user.keyboard("{Enter}");
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(core.argsOf("revoke_session")).toEqual([{ sessionId: OLD_PC.id }]);
    expect(core.argsOf("sessions")).toHaveLength(2);
    expect(within(dialog).getByRole("status")).toHaveTextContent("Ended the session on Rounds/0.1 (Ubuntu 24.04).");
    expect(within(dialog).getByRole("listbox")).toHaveFocus();

    // With the mouse: pick the laptop, End session…, then keep it after all (Esc keeps the dialog open).
    await user.click(within(dialog).getByText("Rounds/0.1 (Windows 11)"));
    await user.click(within(dialog).getByRole("button", { name: "End session…" }));
    expect(within(dialog).getByRole("group", { name: "End this session?" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(within(dialog).queryByRole("group", { name: "End this session?" })).not.toBeInTheDocument();
    expect(screen.getByTestId("sessions-dialog")).toBeInTheDocument();
    expect(core.argsOf("revoke_session")).toHaveLength(1);

    // Enter asks too.
    await user.keyboard("{Enter}");
    await user.click(within(dialog).getByRole("button", { name: "End session" }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(core.argsOf("revoke_session")).toEqual([{ sessionId: OLD_PC.id }, { sessionId: LAPTOP.id }]);
  });

  it("never ends this device's own session", async () => {
    const { core, user, dialog } = await openSessions(sessionCore([THIS_DEVICE, LAPTOP]));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows()[0]).toHaveAttribute("aria-selected", "true");
    expect(within(dialog).queryByRole("button", { name: /End session/ })).not.toBeInTheDocument();

    await user.keyboard("{Enter}");
    expect(within(dialog).getByRole("status")).toHaveTextContent(
      "This is the session you are using now. Sign out to end it.",
    );
    await user.keyboard("{Delete}");
    expect(within(dialog).queryByRole("group", { name: "End this session?" })).not.toBeInTheDocument();
    expect(core.argsOf("revoke_session")).toEqual([]);

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("sessions-dialog")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sessions" })).toHaveFocus();
  });

  it("shows a refusal inline and keeps the session listed", async () => {
    const { core, user, dialog } = await openSessions({
      sessions: () => [THIS_DEVICE, LAPTOP],
      revoke_session: () => failure("not_found", "that session has already ended"),
    });
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.keyboard("{ArrowDown}{Enter}{Enter}");
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("Not ended: that session has already ended");
    expect(core.argsOf("revoke_session")).toEqual([{ sessionId: LAPTOP.id }]);
    expect(rows()).toHaveLength(2);
  });

  it("says calmly that sessions need the server when offline", async () => {
    const { core, dialog } = await openSessions(sessionCore([THIS_DEVICE]), { ...SESSION, online: false });
    expect(within(dialog).getByTestId("sessions-offline")).toHaveTextContent("Your sessions are kept by the server");
    expect(within(dialog).queryByRole("alert")).not.toBeInTheDocument();
    expect(core.argsOf("sessions")).toEqual([]);
  });

  it("shows the server's message when it stops answering", async () => {
    const { dialog } = await openSessions({
      sessions: () => failure("server_unreachable", "could not reach rounds.clinic.test"),
    });
    expect(await within(dialog).findByTestId("sessions-offline")).toHaveTextContent(
      "could not reach rounds.clinic.test",
    );
  });
});

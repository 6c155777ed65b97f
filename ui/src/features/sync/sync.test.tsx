import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Patient } from "../../bindings/Patient";
import type { SyncStatus } from "../../bindings/SyncStatus";
import type { RefusedChange } from "../../lib/ipc";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import {
  CLAIM_LOST,
  MIA,
  MIA_PHONE_CONFLICT,
  TODAY,
  findFixture,
  syncStatusOf,
  todayAt,
} from "../../test/fixtures";
import { WithQueries } from "../../test/query";
import { SyncProvider, SYNC_POLL_MS } from "./SyncContext";
import { SyncIndicator } from "./SyncIndicator";

const getPatient: Handler = ({ id }) => findFixture(String(id)) ?? failure("not_found", `no patient ${String(id)}`);

function renderIndicator(handlers: Record<string, Handler>, onPatientEdited = vi.fn<(p: Patient) => void>()) {
  const core = installCore({ get_patient: getPatient, ...handlers });
  render(
    <WithQueries>
      <SyncProvider>
      <SyncIndicator onPatientEdited={onPatientEdited} />
      </SyncProvider>
    </WithQueries>,
  );
  return { core, onPatientEdited };
}

const indicator = () => screen.getByTestId("sync-indicator");

/** Lets the fake clock run, with every promise it releases settled inside act(). */
async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("sync indicator", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: TODAY });
  });

  it("polls every 2 seconds and says what each state means", async () => {
    let status: SyncStatus = syncStatusOf();
    const { core } = renderIndicator({ sync_status: () => status });

    await advance(0);
    expect(indicator()).toHaveTextContent(/^Synced$/);
    expect(screen.getByText("Synced")).toHaveAttribute("title", "Last synced at 09:28");
    expect(core.argsOf("sync_status")).toHaveLength(1);

    status = syncStatusOf({ pending: 3 });
    await advance(SYNC_POLL_MS - 1);
    expect(indicator()).toHaveTextContent(/^Synced$/);
    await advance(1);
    expect(indicator()).toHaveTextContent(/^3 pending$/);
    expect(core.argsOf("sync_status")).toHaveLength(2);

    status = syncStatusOf({ pending: 2, offline_since: todayAt(9, 12) });
    await advance(SYNC_POLL_MS);
    expect(indicator()).toHaveTextContent(/^Offline since 09:12 · 2 pending$/);

    status = syncStatusOf({ offline_since: todayAt(9, 12) });
    await advance(SYNC_POLL_MS);
    expect(indicator()).toHaveTextContent(/^Offline since 09:12$/);

    status = syncStatusOf({ rejected: 2 });
    await advance(SYNC_POLL_MS);
    expect(indicator()).toHaveTextContent(/^2 refused$/);
    expect(within(indicator()).getByRole("button", { name: "2 refused" })).toHaveClass("sync-refused");

    status = syncStatusOf({ pending: 1, rejected: 1 });
    await advance(SYNC_POLL_MS);
    expect(indicator()).toHaveTextContent(/^1 pending1 refused$/);
    expect(screen.getByText("1 pending")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "1 refused" })).toBeInTheDocument();
  });

  it("shows the day too when the clinician has been offline since before today", async () => {
    renderIndicator({
      sync_status: () => syncStatusOf({ offline_since: new Date(2026, 3, 19, 22, 5).toISOString() }),
    });
    await advance(0);
    expect(indicator()).toHaveTextContent(/^Offline since 04\/19 22:05$/);
  });

  it("says so quietly when the core cannot answer, and recovers on the next poll", async () => {
    let calls = 0;
    renderIndicator({ sync_status: () => (++calls === 1 ? failure("internal", "database is locked") : syncStatusOf()) });

    await advance(0);
    expect(indicator()).toHaveTextContent(/^Sync status unavailable$/);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    await advance(SYNC_POLL_MS);
    expect(indicator()).toHaveTextContent(/^Synced$/);
  });
});

describe("refused changes panel", () => {
  function renderRefused(items: RefusedChange[], extra: Record<string, Handler> = {}) {
    let remaining = [...items];
    const result = renderIndicator({
      sync_status: () => syncStatusOf({ rejected: remaining.length }),
      rejected_changes: () => remaining,
      dismiss_rejected: ({ clientSeq }) => {
        remaining = remaining.filter((i) => i.client_seq !== clientSeq);
        return null;
      },
      ...extra,
    });
    return result;
  }

  async function openPanel() {
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: /refused$/ }));
    const panel = await screen.findByRole("dialog", { name: "Changes the server refused" });
    expect(panel).toHaveAttribute("data-testid", "refused-changes");
    return { user, panel };
  }

  it("shows a conflict in clinician words with both values side by side", async () => {
    renderRefused([MIA_PHONE_CONFLICT]);
    const { panel } = await openPanel();

    expect(await within(panel).findByRole("heading", { name: "Edit to Mia Lopez: phone" })).toBeInTheDocument();
    expect(panel).toHaveTextContent("Changed on another device first: phone");

    const table = within(panel).getByRole("table");
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers.slice(1)).toEqual(["On the server (theirs)", "Yours"]);
    const row = within(table).getByRole("row", { name: /Phone/ });
    const cells = within(row).getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual(["+14155550000", "+14155559999"]);
    expect(within(panel).getByRole("heading", { name: "Changes the server refused" })).toHaveFocus();
  });

  it("Keep mine sends my value again, then dismisses the refusal", async () => {
    const saved: Patient = { ...MIA, phone: "+14155559999" };
    const { core, onPatientEdited } = renderRefused([MIA_PHONE_CONFLICT], { edit_patient: () => saved });
    const { user, panel } = await openPanel();
    await within(panel).findByRole("table");

    await user.click(within(panel).getByRole("button", { name: "Keep mine" }));

    expect(await within(panel).findByText("Nothing is waiting. Every change has been settled.")).toBeInTheDocument();
    const commands = core.calls.map((c) => c.cmd).filter((c) => c === "edit_patient" || c === "dismiss_rejected");
    expect(commands).toEqual(["edit_patient", "dismiss_rejected"]);
    expect(core.argsOf("edit_patient")).toEqual([{ id: "pt-mia", edits: [{ field: "phone", value: "+14155559999" }] }]);
    expect(core.argsOf("dismiss_rejected")).toEqual([{ clientSeq: 7 }]);
    expect(onPatientEdited).toHaveBeenCalledWith(saved);
    await waitFor(() => expect(screen.queryByRole("button", { name: /refused$/ })).not.toBeInTheDocument());
  });

  it("Keep theirs only dismisses the refusal", async () => {
    const { core } = renderRefused([MIA_PHONE_CONFLICT], { edit_patient: () => MIA });
    const { user, panel } = await openPanel();
    await within(panel).findByRole("table");

    await user.click(within(panel).getByRole("button", { name: "Keep theirs" }));

    expect(await within(panel).findByText("Nothing is waiting. Every change has been settled.")).toBeInTheDocument();
    expect(core.argsOf("dismiss_rejected")).toEqual([{ clientSeq: 7 }]);
    expect(core.argsOf("edit_patient")).toEqual([]);
  });

  it("re-sends the non-conflicting rest of a refused edit with either choice", async () => {
    const both: RefusedChange = {
      ...MIA_PHONE_CONFLICT,
      mutation: {
        kind: "edit_patient",
        patient_id: MIA.id,
        changes: [
          { field: "phone", base: MIA.phone, value: "+14155559999" },
          { field: "email", base: null, value: "rosa@example.test" },
        ],
      },
    };
    const { core } = renderRefused([both], { edit_patient: () => MIA });
    const { user, panel } = await openPanel();
    expect(await within(panel).findByRole("heading", { name: "Edit to Mia Lopez: phone, email" })).toBeInTheDocument();
    expect(panel).toHaveTextContent("Also in this edit, not saved because of the conflict: email.");

    await user.click(within(panel).getByRole("button", { name: "Keep theirs" }));

    await within(panel).findByText("Nothing is waiting. Every change has been settled.");
    expect(core.argsOf("edit_patient")).toEqual([{ id: "pt-mia", edits: [{ field: "email", value: "rosa@example.test" }] }]);
    expect(core.argsOf("dismiss_rejected")).toEqual([{ clientSeq: 7 }]);
  });

  it("Edit… saves what was typed, keeps it on an error, and Escape only closes the editor", async () => {
    let attempts = 0;
    const { core } = renderRefused([MIA_PHONE_CONFLICT], {
      edit_patient: ({ edits }) =>
        ++attempts === 1 ? failure("invalid_input", "invalid value: phone is not a number") : { ...MIA, edits },
    });
    const { user, panel } = await openPanel();
    await within(panel).findByRole("table");

    await user.click(within(panel).getByRole("button", { name: "Edit…" }));
    const input = within(panel).getByRole("textbox", { name: "Phone" });
    expect(input).toHaveValue("+14155559999");
    expect(input).toHaveFocus();

    await user.clear(input);
    await user.type(input, "call mom{Enter}");
    expect(await within(panel).findByRole("alert")).toHaveTextContent("invalid value: phone is not a number");
    expect(input).toHaveValue("call mom");
    expect(core.argsOf("dismiss_rejected")).toEqual([]);

    await user.keyboard("{Escape}");
    expect(within(panel).queryByRole("textbox")).not.toBeInTheDocument();
    expect(screen.getByRole("dialog")).toBeInTheDocument();

    await user.click(within(panel).getByRole("button", { name: "Edit…" }));
    await user.clear(within(panel).getByRole("textbox", { name: "Phone" }));
    await user.type(within(panel).getByRole("textbox", { name: "Phone" }), " +1 415 555 7777 {Enter}");

    await within(panel).findByText("Nothing is waiting. Every change has been settled.");
    expect(core.argsOf("edit_patient").at(-1)).toEqual({
      id: "pt-mia",
      edits: [{ field: "phone", value: "+1 415 555 7777" }],
    });
    expect(core.argsOf("dismiss_rejected")).toEqual([{ clientSeq: 7 }]);
  });

  it("shows other refusals with their reason and a Dismiss button; Escape closes", async () => {
    const { core } = renderRefused([CLAIM_LOST, MIA_PHONE_CONFLICT]);
    const { user, panel } = await openPanel();

    const claim = (await within(panel).findByRole("heading", { name: "Claiming a task" })).closest("li")!;
    expect(claim).toHaveTextContent("Someone else claimed it first. Claimed by Dr. Obi at 09:14");
    expect(within(claim).queryByRole("table")).not.toBeInTheDocument();
    expect(within(claim).queryByRole("button", { name: "Keep mine" })).not.toBeInTheDocument();

    await user.click(within(claim).getByRole("button", { name: "Dismiss" }));
    await waitFor(() => expect(within(panel).queryByRole("heading", { name: "Claiming a task" })).not.toBeInTheDocument());
    expect(core.argsOf("dismiss_rejected")).toEqual([{ clientSeq: 9 }]);
    expect(within(panel).getByRole("heading", { name: "Edit to Mia Lopez: phone" })).toBeInTheDocument();

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("says 'a patient' when the patient cannot be looked up, and shows null as a dash", async () => {
    const cleared: RefusedChange = {
      ...MIA_PHONE_CONFLICT,
      mutation: { kind: "edit_patient", patient_id: "pt-gone", changes: [{ field: "email", base: null, value: null }] },
      outcome: {
        status: "rejected",
        code: "conflict",
        message: "changed on another device first: email",
        conflicts: [{ field: "email", base: "a@x.test", theirs: "b@x.test", ours: null }],
      },
    };
    renderRefused([cleared]);
    const { panel } = await openPanel();

    expect(await within(panel).findByRole("heading", { name: "Edit to a patient: email" })).toBeInTheDocument();
    const cells = within(within(panel).getByRole("row", { name: /Email/ }))
      .getAllByRole("cell")
      .map((c) => c.textContent);
    expect(cells).toEqual(["b@x.test", "—"]);
  });
});

describe("sync indicator and status timing", () => {
  it("formats the last sync time in local 24-hour time", async () => {
    vi.useFakeTimers({ now: TODAY });
    renderIndicator({ sync_status: () => syncStatusOf({ last_synced_at: todayAt(14, 5) }) });
    await advance(0);
    expect(screen.getByText("Synced")).toHaveAttribute("title", "Last synced at 14:05");
  });
});

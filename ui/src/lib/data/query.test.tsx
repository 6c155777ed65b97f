import type { QueryClient } from "@tanstack/react-query";
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { SyncProvider, SYNC_POLL_MS } from "../../features/sync/SyncContext";
import { installCore, type Handler } from "../../test/fakeCore";
import { findFixture, searchFixtures, syncStatusOf, TODAY, todayAt } from "../../test/fixtures";
import { lockingCore } from "../../test/lock";
import { WithQueries } from "../../test/query";
import { claimTask, directory, sessions, taskQueue } from "../ipc";
import { allOf, queryKeys } from "./keys";
import { createQueryClient, useRead, useWrite } from "./query";

/** Reads the directory (changed by sync) and the sessions (not), like two screens would. */
function Readers() {
  const people = useRead(queryKeys.directory(), directory);
  const own = useRead(queryKeys.sessions(), sessions);
  return (
    <p>
      {people.data ? `${people.data.length} people` : "…"} · {own.data ? `${own.data.length} sessions` : "…"}
    </p>
  );
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("data layer: invalidation", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: TODAY });
  });

  it("reads again what a sync round can change once the round completes, and nothing else", async () => {
    let status: SyncStatus = syncStatusOf({ last_synced_at: todayAt(9, 0) });
    const core = installCore({ sync_status: () => status, directory: () => [], sessions: () => [] });
    render(
      <WithQueries>
        <SyncProvider>
          <Readers />
        </SyncProvider>
      </WithQueries>,
    );
    await advance(0);
    expect(screen.getByText("0 people · 0 sessions")).toBeInTheDocument();
    expect(core.argsOf("directory")).toHaveLength(1);

    // Polls without a new round change nothing.
    await advance(SYNC_POLL_MS * 2);
    expect(core.argsOf("directory")).toHaveLength(1);

    status = syncStatusOf({ last_synced_at: todayAt(9, 1) });
    await advance(SYNC_POLL_MS);
    expect(core.argsOf("directory")).toHaveLength(2);
    expect(core.argsOf("sessions")).toHaveLength(1);
  });

  it("reads again what a write changes, once the write is applied", async () => {
    vi.useRealTimers();
    let claimed = false;
    const core = installCore({
      task_queue: () => ({ items: [], counts: [], mine: claimed ? 1 : 0 }),
      claim_task: () => {
        claimed = true;
        return { id: "t-1" };
      },
    });
    function Queue() {
      const queue = useRead(queryKeys.taskQueue({ kind: "mine" }, "due", 10), () => taskQueue({ kind: "mine" }, "due", 10));
      const claim = useWrite(claimTask, () => [allOf("task_queue")]);
      return (
        <button type="button" onClick={() => void claim.mutateAsync("t-1")}>
          Mine: {queue.data ? Number(queue.data.mine) : "…"}
        </button>
      );
    }
    render(
      <WithQueries>
        <Queue />
      </WithQueries>,
    );
    await userEvent.click(await screen.findByRole("button", { name: "Mine: 0" }));
    expect(await screen.findByRole("button", { name: "Mine: 1" })).toBeInTheDocument();
    expect(core.argsOf("task_queue")).toHaveLength(2);
    expect(core.argsOf("claim_task")).toEqual([{ taskId: "t-1" }]);
  });
});

describe("data layer: nothing of a session stays in the cache", () => {
  const handlers: Record<string, Handler> = {
    search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
    get_patient: ({ id }) => findFixture(String(id)),
    patient_chart: ({ patientId }) => ({
      patient: findFixture(String(patientId)),
      encounters: [],
      encounter_count: 0,
      open_draft: null,
      latest_vitals: [],
    }),
    sync_status: () => syncStatusOf(),
  };

  async function signedInWithPatient(client: QueryClient) {
    installCore(lockingCore(handlers).handlers);
    render(<App queryClient={client} />);
    const user = userEvent.setup();
    await user.click((await screen.findAllByTestId("patient-row"))[0]!);
    await screen.findByTestId("patient-banner");
    expect(client.getQueryData(queryKeys.patient("pt-mia"))).toBeDefined();
    return user;
  }

  it("is emptied when Rounds locks (Ctrl+L)", async () => {
    const client = createQueryClient();
    const user = await signedInWithPatient(client);
    await user.keyboard("{Control>}l{/Control}");
    await screen.findByRole("heading", { name: "Rounds is locked" });
    await waitFor(() => expect(client.getQueryCache().getAll()).toHaveLength(0));
  });

  it("is emptied when the clinician signs out", async () => {
    const client = createQueryClient();
    const user = await signedInWithPatient(client);
    await user.click(screen.getByRole("button", { name: /Sign out/ }));
    await screen.findByLabelText("Email");
    await waitFor(() => expect(client.getQueryCache().getAll()).toHaveLength(0));
  });
});

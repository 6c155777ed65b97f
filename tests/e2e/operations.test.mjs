// End-to-end: a task goes through the care team in the real app, by keyboard, on two devices.
//
//   The server gets a scheduling task for a patient (pushed as the care coordinator, no queue:
//   the organisation's rules route it to the care coordinator queue)  ->  device A, the
//   coordinator: Queues (g q) lists it; select it, claim it (c): it is in My tasks; hand it off
//   (h) to Nina Patel, NP (licensed in TX) in the nurse practitioner queue  ->  device B, the NP:
//   My tasks lists it (through sync); done (d)  ->  the server has it completed, owned by Nina,
//   in the nurse practitioner queue; both devices are synced.
//
// Counts the interactions on each device (keys and clicks) and reports them with a few timings
// (reported, never asserted).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CARE_COORDINATOR,
  NURSE_PRACTITIONER,
  metric,
  newDataDir,
  serverCreateTask,
  serverPractitioner,
  serverTask,
  signIn,
  topBar,
  waitForSync,
  withFailureScreenshots,
} from "./helpers.mjs";
import { DRIVERS, Keys, Session } from "./webdriver.mjs";

const DIALOG = '[data-testid="hand-off-dialog"]';
const DESCRIPTION = "Book a follow-up video visit";
const NP_NAME = "Nina Patel, NP";

let a;
let b;

before(async () => {
  const [dirA, dirB] = await Promise.all([newDataDir("ops-coordinator"), newDataDir("ops-np")]);
  [a, b] = await Promise.all([
    Session.start({ driver: DRIVERS.a, env: { ROUNDS_DATA_DIR: dirA } }),
    Session.start({ driver: DRIVERS.b, env: { ROUNDS_DATA_DIR: dirB } }),
  ]);
});

after(async () => {
  await Promise.all([a?.end(), b?.end()]);
});

/** Keys and clicks on one device, counted. */
function counted(app) {
  const counter = {
    interactions: 0,
    /** `count`: how many key presses `keys` stands for (a chord like "g q" sent in one call is 2). */
    async press(keys, count = 1) {
      counter.interactions += count;
      await app.press(keys);
    },
    async click(css) {
      counter.interactions += 1;
      await app.click(css);
    },
  };
  return counter;
}

/** The queue screen as it is now: the chosen queue, its rows, the focus and the last announcement. */
function queueState(app) {
  return app.execute(`
    return {
      queue: document.querySelector('.queue-button[aria-current="true"]')?.getAttribute("data-testid") ?? null,
      rows: Array.from(document.querySelectorAll('[data-testid="task-row"]'), (row) => ({
        id: row.getAttribute("data-task"),
        pos: Number(row.getAttribute("aria-posinset")),
        selected: row.getAttribute("aria-selected") === "true",
        status: row.querySelector(".task-status")?.innerText.trim() ?? null,
        text: row.innerText.replace(/\\s+/g, " ").trim(),
      })),
      focus: document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? null,
      announcement: document.querySelector('[data-testid="queue-status"]')?.innerText.trim() ?? "",
    };`);
}

const describeQueue = async (app) => JSON.stringify(await queueState(app));

/** From the patient list (focus in the search box): Escape leaves the box, g q opens Queues. */
async function openQueues(app, keys) {
  await app.waitUntil("the search box has the focus", () =>
    app.execute(`return document.activeElement?.id === "patient-search"`));
  await keys.press(Keys.ESCAPE);
  await app.waitUntil("the search box has let go of the focus", () =>
    app.execute(`return document.activeElement?.id !== "patient-search"`));
  await keys.press("gq", 2); // one call: the chord must not time out (1.5 s) between the keys
  await app.waitFor('[data-testid="queues-screen"]');
  await app.waitUntil("Queues is the current screen and its list has the focus", async () =>
    (await app.execute(`return document.querySelector('[data-testid="nav-queues"]')?.getAttribute("aria-current")`)) === "page" &&
    (await queueState(app)).focus === "task-list", { describe: () => describeQueue(app) });
}

/** Waits until the queue `queue` (a queue button's test id) is shown and lists this task. */
function waitForTask(app, queue, taskId, timeout = 15_000) {
  return app.waitUntil(`${queue} lists the task`, async () => {
    const s = await queueState(app);
    return s.queue === queue && s.rows.find((r) => r.id === taskId);
  }, { timeout, interval: 250, describe: () => describeQueue(app) });
}

/** Moves the selection with ↑/↓ until this task's row is the selected one (reading the DOM). */
async function selectTask(app, keys, taskId) {
  for (let moves = 0; moves < 100; moves += 1) {
    const s = await queueState(app);
    const target = s.rows.find((r) => r.id === taskId);
    const selected = s.rows.find((r) => r.selected);
    if (target?.selected) return;
    // Not rendered yet (the list windows its rows): further down.
    const down = !target || !selected || target.pos > selected.pos;
    await keys.press(down ? Keys.ARROW_DOWN : Keys.ARROW_UP);
    await app.waitUntil("the selection moved", async () =>
      (await queueState(app)).rows.find((r) => r.selected)?.id !== selected?.id,
    { describe: () => describeQueue(app) });
  }
  assert.fail(`could not select the task: ${await describeQueue(app)}`);
}

/** The hand-off dialog's colleagues, the one chosen, the queue choice (if shown) and the button. */
function dialogState(app) {
  return app.execute(`
    const dialog = document.querySelector(arguments[0]);
    if (!dialog) return null;
    return {
      options: Array.from(dialog.querySelectorAll(".hand-off-option"), (o) => ({
        name: o.querySelector(".hand-off-name")?.innerText.trim(),
        meta: o.querySelector(".hand-off-meta")?.innerText.trim(),
        selected: o.getAttribute("aria-selected") === "true",
      })),
      queue: dialog.querySelector('[role="radio"][aria-checked="true"]')?.innerText.trim() ?? null,
      button: dialog.querySelector(".button-primary")?.innerText.trim() ?? null,
      listFocused: document.activeElement?.classList.contains("hand-off-list") ?? false,
      text: dialog.innerText,
    };`, [DIALOG]);
}

test("a coordinator's task is routed, claimed, handed off to a licensed NP and completed", { timeout: 240_000 }, () =>
  withFailureScreenshots("operations", () => [a, b], async () => {
    const keysA = counted(a);
    const keysB = counted(b);

    // 1. The task, through the server as the coordinator; no queue: routed by the rules.
    const created = await serverCreateTask(CARE_COORDINATOR, {
      task_kind: "scheduling",
      queue: null,
      license_state: "TX",
      priority: "urgent",
      description: DESCRIPTION,
    });
    assert.deepEqual(created.result?.outcome, { status: "applied" }, `the push: ${JSON.stringify(created.result)}`);
    const taskId = created.task_id;
    const nina = await serverPractitioner(NURSE_PRACTITIONER);
    const routed = await serverTask(taskId, CARE_COORDINATOR);
    assert.equal(routed?.queue, "care_coordinator", `routed by the rules: ${JSON.stringify(routed)}`);
    assert.equal(routed.status, "ready");

    // Both devices sign in (B's first download runs meanwhile; the hand-off reaches it by sync).
    await Promise.all([signIn(a, CARE_COORDINATOR), signIn(b, NURSE_PRACTITIONER)]);

    // 2. A: Queues opens on the coordinator queue, which lists the task.
    await openQueues(a, keysA);
    const listed = await waitForTask(a, "queue-care_coordinator", taskId, 30_000);
    assert.match(listed.text, /urgent/i); // shown in capitals (CSS)
    assert.match(listed.text, /Scheduling/);
    assert.match(listed.text, /\bTX\b/);
    assert.match(listed.text, new RegExp(DESCRIPTION));
    await a.screenshot("queue-coordinator.png");

    // 3. Select it, claim it: it leaves the role queue and is in My tasks.
    await selectTask(a, keysA, taskId);
    await keysA.press("c");
    await a.waitUntil("the claim is announced and the task has left the coordinator queue", async () => {
      const s = await queueState(a);
      return s.announcement.startsWith("Claimed:") && !s.rows.some((r) => r.id === taskId);
    }, { describe: () => describeQueue(a) });
    await keysA.press(Keys.ARROW_LEFT); // the queue before: My tasks
    const mine = await waitForTask(a, "queue-mine", taskId);
    assert.equal(mine.status, "In progress");
    await selectTask(a, keysA, taskId);

    // Hand it off: the dialog lists who may take it; Nina is licensed in TX.
    await keysA.press("h");
    await a.waitFor(DIALOG);
    const offered = await a.waitUntil("the dialog lists the colleagues and has the focus", async () => {
      const d = await dialogState(a);
      return d && d.options.length > 0 && d.listFocused && d;
    }, { describe: async () => JSON.stringify(await dialogState(a)) });
    const ninaAt = offered.options.findIndex((o) => o.name === NP_NAME);
    assert.ok(ninaAt >= 0, `Nina is offered: ${JSON.stringify(offered.options)}`);
    assert.ok(!offered.options.some((o) => o.name === "Sam Rivera"), "the coordinator is not offered to himself");
    assert.match(offered.options[ninaAt].meta, /\bTX\b/);
    if (ninaAt < 9) {
      await keysA.press(String(ninaAt + 1));
    } else {
      for (let i = 0; i < ninaAt; i += 1) await keysA.press(Keys.ARROW_DOWN);
    }
    const chosen = await a.waitUntil("Nina is chosen", async () => {
      const d = await dialogState(a);
      return d?.options[ninaAt]?.selected && d;
    }, { describe: async () => JSON.stringify(await dialogState(a)) });
    assert.equal(chosen.button, `Hand off to ${NP_NAME}`);
    // One queue she may take it in (nurse practitioner) is not offered as a choice; more would be.
    if (chosen.queue !== null) assert.equal(chosen.queue, "Nurse practitioner");
    await a.screenshot("hand-off.png");
    await keysA.press(Keys.ENTER);
    const handedOff = performance.now();
    await a.waitUntil("the dialog is closed and the task has left My tasks", async () => {
      const s = await queueState(a);
      return (await a.findAll(DIALOG)).length === 0 && s.queue === "queue-mine" && !s.rows.some((r) => r.id === taskId) && s;
    }, { describe: () => describeQueue(a) });
    const afterHandOff = await queueState(a);
    assert.match(afterHandOff.announcement, new RegExp(`^Handed to ${NP_NAME} \\(Nurse practitioner\\)`));
    if (afterHandOff.focus !== "task-list") console.log(`note: after the hand-off the focus is on ${afterHandOff.focus}, not the task list`);
    await a.screenshot("queue-coordinator-handed-off.png");

    // 4. B, the NP: Queues -> My tasks shows the task once B has synced; done.
    await openQueues(b, keysB);
    await keysB.press(Keys.ARROW_LEFT); // from the nurse practitioner queue to My tasks
    const arrived = await waitForTask(b, "queue-mine", taskId, 30_000);
    metric("device B listed the task after the hand-off on A", performance.now() - handedOff);
    assert.equal(arrived.status, "In progress");
    assert.match(arrived.text, new RegExp(DESCRIPTION));
    await selectTask(b, keysB, taskId);
    await keysB.press("d");
    await b.waitUntil("the task is done and has left My tasks", async () => {
      const s = await queueState(b);
      return s.announcement.startsWith("Done:") && !s.rows.some((r) => r.id === taskId);
    }, { describe: () => describeQueue(b) });
    await b.screenshot("queue-np-done.png");

    // 5. The server: completed, Nina's, in the nurse practitioner queue. Both devices synced.
    const done = await b.waitUntil("the server has the task completed", async () => {
      const task = await serverTask(taskId, NURSE_PRACTITIONER);
      return task?.status === "completed" && task;
    }, { timeout: 30_000, interval: 500, describe: async () => JSON.stringify(await serverTask(taskId, NURSE_PRACTITIONER)) });
    assert.equal(done.owner_id, nina.id, "owned by Nina");
    assert.equal(done.queue, "nurse_practitioner");
    assert.equal(done.patient_id, created.patient_id);
    assert.equal(done.description, DESCRIPTION);
    await Promise.all([waitForSync(a, "Synced", { timeout: 30_000 }), waitForSync(b, "Synced", { timeout: 30_000 })]);
    for (const app of [a, b]) assert.deepEqual(await topBar(app), { connection: "Online", sync: "Synced" });

    console.log(`metric: interactions on device A (coordinator: open queues, select, claim, My tasks, hand off): ${keysA.interactions}`);
    console.log(`metric: interactions on device B (NP: open queues, My tasks, select, done): ${keysB.interactions}`);
  }),
);

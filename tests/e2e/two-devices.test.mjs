// End-to-end: one clinician on two devices (two copies of the app, each with its own data folder,
// its own tauri-driver and X display) editing the same patient while one of them is offline.
//
// Device A talks to the server directly. Device B talks to it through a TCP forwarder in this
// test, which can be switched off (B is offline: nothing answers) and on again. Nobody tells B
// that the server is back: it must notice by itself (its poke stream reconnects every 5 s).
//
//   B offline edits the phone to P1  ->  A edits it to P2 and syncs  ->  B back online: the
//   server refuses B's edit (conflict)  ->  B's refused-changes panel shows P2 (theirs) and P1
//   (yours)  ->  Keep mine  ->  both devices and the server end up with P1.
//
// The second test does the same with a note: A starts a visit and writes the plan's patient
// instructions; B resumes the draft; B (offline) and then A rewrite the instructions; back
// online, the server refuses B's edit; B's charting screen shows the conflict on the Plan page
// and both versions side by side; Keep mine; both devices and the server end up with B's text.

import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import {
  BANNER_CONTACT,
  CONNECTION,
  OFFLINE_TEXT,
  REFUSED,
  SERVER_URL,
  SYNC,
  bannerContact,
  editPhone,
  listedPatients,
  metric,
  newDataDir,
  openPatient,
  serverAdultIn,
  serverChanges,
  serverPatient,
  signIn,
  sleep,
  topBar,
  waitForSync,
  withFailureScreenshots,
} from "./helpers.mjs";
import { DRIVERS, Keys, Session } from "./webdriver.mjs";

/** A TCP forwarder to the real server that can be switched off (refusing connections) and on. */
class Forwarder {
  #server = null;
  #sockets = new Set();

  constructor(target) {
    const url = new URL(target);
    this.host = url.hostname;
    this.targetPort = Number(url.port);
    this.port = 0; // chosen by the first on(), kept for the next ones
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async on() {
    if (this.#server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.host);
      for (const [socket, other] of [[client, upstream], [upstream, client]]) {
        this.#sockets.add(socket);
        socket.on("error", () => other.destroy());
        socket.on("close", () => {
          this.#sockets.delete(socket);
          other.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.port = server.address().port;
    this.#server = server;
  }

  /** Closes the listener and cuts every open connection (the poke stream too). */
  async off() {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }
}

const forwarder = new Forwarder(SERVER_URL);
let a;
let b;
const suffix = () => String(1000 + Math.floor(Math.random() * 9000));
const P1 = `(617) 555-${suffix()}`; // B's offline edit ("mine")
const P2 = `(508) 555-${suffix()}`; // A's edit, first on the server ("theirs")
const OFFLINE_FOR_MS = 15_500;

before(async () => {
  await forwarder.on();
  const [dirA, dirB] = await Promise.all([newDataDir("device-a"), newDataDir("device-b")]);
  [a, b] = await Promise.all([
    Session.start({ driver: DRIVERS.a, env: { ROUNDS_DATA_DIR: dirA } }),
    Session.start({ driver: DRIVERS.b, env: { ROUNDS_DATA_DIR: dirB, ROUNDS_SERVER_URL: forwarder.url } }),
  ]);
});

after(async () => {
  await Promise.all([a?.end(), b?.end()]);
  await forwarder.off();
});

/** Opens the patient again (the banner shows what this device has now) until its contact has `phone`. */
async function reopenUntilPhone(app, patient, phone, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (let reopened = 0; ; reopened += 1) {
    if ((await bannerContact(app))?.includes(phone)) return reopened;
    if (Date.now() > deadline) {
      assert.fail(`device ${app.driver.name} never showed ${phone}; banner: ${await bannerContact(app)}; ` +
        `top bar: ${JSON.stringify(await topBar(app))}`);
    }
    await openPatient(app, patient.mrn, patient);
    await sleep(200);
  }
}

/** The refused-changes panel's conflict table as [field, theirs, yours] rows. */
function conflictRows(app) {
  return app.execute(
    "return Array.from(document.querySelectorAll(arguments[0] + ' .conflict-table tbody tr'), (tr) =>" +
      "  Array.from(tr.querySelectorAll('th, td'), (cell) => cell.innerText.trim()));",
    [REFUSED],
  );
}

test("a conflicting offline edit is refused, shown side by side, and settled with Keep mine", { timeout: 120_000 }, () =>
  withFailureScreenshots("two-devices", () => [a, b], async () => {
    await Promise.all([signIn(a), signIn(b)]);
    const patient = (await listedPatients(a))[3];
    assert.ok(patient?.mrn, `could not read a row: ${JSON.stringify(patient)}`);
    await Promise.all([openPatient(a, patient.mrn, patient), openPatient(b, patient.mrn, patient)]);
    await Promise.all([waitForSync(a, "Synced"), waitForSync(b, "Synced")]);
    for (const app of [a, b]) assert.equal(await app.text(CONNECTION), "Online");

    // B loses the server and edits offline.
    await forwarder.off();
    await editPhone(b, P1);
    const offlineEdit = performance.now();
    await waitForSync(b, /^Offline since \d\d:\d\d · 1 pending$/);
    assert.equal(await b.text(CONNECTION), OFFLINE_TEXT);

    // Meanwhile A changes the same field; A syncs by itself.
    await editPhone(a, P2);
    await waitForSync(a, "Synced");
    assert.equal((await serverPatient(patient.mrn)).phone, P2, "the server has A's edit");

    // Stay offline long enough that B's retry back-off (2, 4, 8, 16 s after the failed sync
    // rounds at about 0, 2, 6 and 14 s) puts its next retry ~15 s away: coming back, B should
    // notice through its poke stream, which it reconnects every 5 s.
    await sleep(Math.max(0, offlineEdit + OFFLINE_FOR_MS - performance.now()));

    // The server is reachable again: B sends its edit by itself, and the server refuses it.
    const back = performance.now();
    await forwarder.on();
    await waitForSync(b, "1 refused", { timeout: 30_000 });
    metric("device B synced after coming back online", performance.now() - back);
    assert.equal(await b.text(CONNECTION), "Online");
    // The refused edit is not applied on B either: B's chart shows what the server has (P2).
    await reopenUntilPhone(b, patient, P2, 5_000);

    await b.click(`${SYNC} .sync-refused`);
    await b.waitFor(`${REFUSED} .conflict-table`);
    const title = (await b.texts(`${REFUSED} .refused-title`))[0];
    assert.match(title, /^Edit to .+: phone$/);
    assert.deepEqual(await conflictRows(b), [["Phone", P2, P1]], "theirs is A's phone, yours is B's");
    const headings = (await b.texts(`${REFUSED} .conflict-table thead th`)).map((h) => h.toLowerCase()); // CSS capitals
    assert.deepEqual(headings.slice(1), ["on the server (theirs)", "yours"]);
    await b.screenshot("conflict.png");

    const kept = performance.now();
    await b.clickText(`${REFUSED} button`, "Keep mine");
    // A gets B's choice from the server (a poke); its open banner is reopened to show it.
    const aSaw = reopenUntilPhone(a, patient, P1).then((reopened) => {
      metric("device A saw device B's change (after Keep mine)", performance.now() - kept);
      if (reopened > 0) console.log(`note: device A's banner did not refresh by itself; reopened ${reopened} time(s)`);
    });
    aSaw.catch(() => {}); // awaited below; a failure must not surface as an unhandled rejection first
    await b.waitUntil("the panel has nothing left", async () =>
      (await b.texts(`${REFUSED} .drawer-body`))[0]?.includes("Nothing is waiting"));
    await b.clickText(`${REFUSED} button`, "Close");
    await waitForSync(b, "Synced", { timeout: 30_000 });
    assert.ok((await bannerContact(b)).includes(P1), `B's banner: ${await bannerContact(b)}`);

    await aSaw;
    assert.equal((await serverPatient(patient.mrn)).phone, P1, "the server has B's phone");

    // Converged, and it stays that way: each device reopened from its own cache shows P1.
    await waitForSync(a, "Synced");
    await sleep(2_500); // another poll of the sync status, and any late sync round, on both
    for (const app of [a, b]) {
      await openPatient(app, patient.mrn, patient);
      const contact = await app.text(BANNER_CONTACT);
      assert.ok(contact.includes(P1) && !contact.includes(P2), `device ${app.driver.name}: ${contact}`);
      assert.deepEqual(await topBar(app), { connection: "Online", sync: "Synced" });
    }
    await a.screenshot("converged-a.png");
    await b.screenshot("converged-b.png");
  }),
);

// --- A note section edited on both devices ---------------------------------------------------------

const LICENSED = ["CA", "NY", "TX", "WA", "FL", "IL"];
const INSTRUCTIONS = "#plan-instructions";
const CONFLICT_BANNER = '[data-testid="conflict-banner"]';
const CONFLICT_DIALOG = '[data-testid="conflict-dialog"]';
const BASE_PLAN = "Base plan";
const MINE = "B: ibuprofen as needed"; // B's offline edit
const THEIRS = "A: warm fluids"; // A's edit, first on the server
const CONFLICT_BLOCKER = "Plan was changed on another device: choose a version before signing";

/** The charting page a device shows ("plan", "review", ...), or null outside charting. */
const shownPage = (app) => app.execute(`return document.querySelector("[data-page]")?.getAttribute("data-page") ?? null`);

function onPage(app, page, timeout = 15_000) {
  return app.waitUntil(`device ${app.driver.name} shows the ${page} page`, async () => (await shownPage(app)) === page, {
    timeout,
    describe: () => shownPage(app),
  });
}

/** Waits until the plan's instructions field shows `text` (what the device shows, not what was typed). */
function waitForInstructions(app, text, timeout = 15_000) {
  return app.waitUntil(`device ${app.driver.name}'s instructions read ${JSON.stringify(text)}`,
    async () => (await app.property(INSTRUCTIONS, "value")) === text,
    { timeout, describe: () => app.property(INSTRUCTIONS, "value") });
}

/** The latest version of this patient's draft encounter on the server (null before it has one). */
async function serverDraft(patientId, encounterId = null) {
  const records = (await serverChanges())
    .filter((c) => c.record.type === "encounter")
    .map((c) => c.record.record)
    .filter((e) => e.patient_id === patientId && (encounterId ? e.id === encounterId : e.status === "draft"));
  return records.at(-1) ?? null;
}

/** Waits until the server's copy of the draft has these instructions; returns the encounter. */
function waitForServerInstructions(app, patientId, text, encounterId = null, timeout = 20_000) {
  let last = null;
  return app.waitUntil(`the server's draft has the instructions ${JSON.stringify(text)}`, async () => {
    last = await serverDraft(patientId, encounterId);
    return last?.draft?.plan?.instructions === text && last;
  }, { timeout, interval: 500, describe: async () => JSON.stringify(last?.draft?.plan ?? last) });
}

/** The blockers listed on the review page. */
const blockers = (app) => app.texts(".blockers li");

/** The conflict dialog's columns as [heading, instructions] (textContent: the headings are styled). */
function dialogColumns(app) {
  return app.execute(
    `return Array.from(document.querySelectorAll(arguments[0] + " .conflict-column"), (column) => {
       const part = Array.from(column.querySelectorAll(".conflict-part"))
         .find((p) => p.querySelector("h4")?.textContent.trim() === "Instructions");
       return [column.querySelector("h3")?.textContent.trim(), part?.querySelector("p")?.textContent.trim() ?? null];
     });`,
    [CONFLICT_DIALOG],
  );
}

/** Opens the patient again until the visits list offers to resume a draft (B pulls it by itself). */
async function reopenUntilDraft(app, patient, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    await openPatient(app, patient.mrn, patient);
    const resumable = await app.waitUntil("the visits are listed", () =>
      app.execute(`
        const visits = document.querySelector('[data-testid="patient-visits"]');
        if (!visits || visits.innerText.includes("Loading visits")) return null;
        return { resume: Array.from(visits.querySelectorAll(".visits-header button"), (b) => b.innerText.trim()).includes("Resume draft") };`));
    if (resumable.resume) return;
    if (Date.now() > deadline) assert.fail(`device ${app.driver.name} never offered to resume the draft`);
    await sleep(500);
  }
}

test("a note section edited offline on one device and online on the other is settled with Keep mine", { timeout: 180_000 }, () =>
  withFailureScreenshots("two-devices-note", () => [a, b], async () => {
    // Independent of the first test: signed in (again) if needed, and B online.
    await forwarder.on();
    await Promise.all([a, b].map(async (app) => {
      if ((await app.findAll("#patient-search")).length === 0) await signIn(app);
    }));
    const found = await serverAdultIn(LICENSED, undefined, { skip: 1 }); // charting.test.mjs takes the first
    const patient = { mrn: found.mrn, name: `${found.family_name}, ${found.given_name}` };

    // A starts a visit: a complaint by its digit, then the plan's instructions.
    await openPatient(a, patient.mrn, patient);
    await a.click('[data-testid="new-visit"]');
    await onPage(a, "complaint");
    await a.waitFor(".complaint-button");
    await a.press("1");
    await a.waitFor('.complaint-button[aria-pressed="true"]');
    await a.press(Keys.ALT + "7");
    await onPage(a, "plan");
    await a.waitUntil("the instructions have the focus", () =>
      a.execute(`return document.activeElement?.id === "plan-instructions"`));
    await a.press(BASE_PLAN);
    const encounter = await waitForServerInstructions(a, found.id, BASE_PLAN);
    await waitForSync(a, "Synced");

    // B resumes the same draft (it reaches B through the server) and goes to the plan.
    await reopenUntilDraft(b, patient);
    await b.clickText('[data-testid="patient-visits"] .visits-header button', "Resume draft");
    await b.waitFor("[data-page]");
    await b.press(Keys.ALT + "7");
    await onPage(b, "plan");
    await waitForInstructions(b, BASE_PLAN);
    await waitForSync(b, "Synced");

    // B loses the server and rewrites the instructions.
    await forwarder.off();
    await b.type(INSTRUCTIONS, MINE);
    await waitForSync(b, /^Offline since \d\d:\d\d · \d+ pending$/, { timeout: 20_000 });
    assert.equal(await b.text(CONNECTION), OFFLINE_TEXT);

    // Meanwhile A rewrites them too and syncs; then A leaves the field (a focused field shows
    // what was typed there, whatever arrives).
    await a.type(INSTRUCTIONS, THEIRS);
    await waitForServerInstructions(a, found.id, THEIRS, encounter.id);
    await waitForSync(a, "Synced");
    await a.press(Keys.ESCAPE);
    await a.waitUntil("A's instructions field has lost the focus", () =>
      a.execute(`return document.activeElement?.id !== "plan-instructions"`));
    assert.equal(await shownPage(a), "plan");

    // B is back online: its edit is refused, and the open Plan page says so by itself.
    const back = performance.now();
    await forwarder.on();
    await b.waitFor(CONFLICT_BANNER, { timeout: 30_000 });
    metric("device B showed the note conflict after coming back online", performance.now() - back);
    assert.equal(await shownPage(b), "plan");
    assert.match(await b.text(CONFLICT_BANNER), /Plan was changed on another device/);
    await b.screenshot("note-conflict.png");

    // Signing is blocked until the conflict is settled; the plan shows the server's version.
    await b.press(Keys.ALT + "8");
    await onPage(b, "review");
    await b.waitUntil("the review lists the conflict as a blocker", async () => (await blockers(b)).includes(CONFLICT_BLOCKER),
      { describe: () => blockers(b) });
    await b.screenshot("note-conflict-review.png");
    await b.press(Keys.ALT + "7");
    await onPage(b, "plan");
    await waitForInstructions(b, THEIRS);

    // Both versions side by side; keep B's.
    await b.clickText(`${CONFLICT_BANNER} button`, "Compare versions");
    await b.waitFor(CONFLICT_DIALOG);
    assert.deepEqual(await dialogColumns(b), [
      ["On the other device (theirs)", THEIRS],
      ["On this device (mine)", MINE],
    ]);
    await b.screenshot("note-conflict-dialog.png");
    const kept = performance.now();
    await b.clickText(`${CONFLICT_DIALOG} button`, "Keep mine");
    await b.waitUntil("the dialog and the banner are gone", async () =>
      (await b.findAll(CONFLICT_DIALOG)).length === 0 && (await b.findAll(CONFLICT_BANNER)).length === 0);
    await waitForInstructions(b, MINE);
    await waitForSync(b, "Synced", { timeout: 30_000 });
    await waitForServerInstructions(b, found.id, MINE, encounter.id);

    // A's open Plan page shows B's version once A has synced.
    await waitForInstructions(a, MINE, 30_000);
    metric("device A showed device B's version (after Keep mine)", performance.now() - kept);
    await waitForSync(a, "Synced");
    await a.screenshot("note-converged-a-plan.png");

    // Converged: both notes have B's instructions, nothing blocks on a conflict any more.
    for (const app of [a, b]) {
      await app.press(Keys.ALT + "8");
      await onPage(app, "review");
      const note = await app.text('[data-testid="note"]');
      assert.ok(note.includes(MINE) && !note.includes(THEIRS), `device ${app.driver.name}'s note:\n${note}`);
      assert.ok(!(await blockers(app)).includes(CONFLICT_BLOCKER), `device ${app.driver.name}: ${await blockers(app)}`);
      assert.equal((await app.findAll(CONFLICT_BANNER)).length, 0);
      assert.deepEqual(await topBar(app), { connection: "Online", sync: "Synced" });
    }
    assert.equal((await serverDraft(found.id, encounter.id)).draft.plan.instructions, MINE);
    await a.screenshot("note-converged-a.png");
    await b.screenshot("note-converged-b.png");
  }),
);

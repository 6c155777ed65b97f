// End-to-end: the app restarted while the server is down opens on its cached patients, offline,
// and a change made offline survives another restart and reaches the server on reconnecting.
// Run by scripts/e2e.sh (needs E2E_SERVER_CTL to stop and start the server).
//
// One device (driver a) with its own data folder, launched three times:
//   1. online: sign in, the cache fills; quit
//   -- the server stops --
//   2. offline: the cached list, search, a banner; edit a phone (pending); quit
//   3. offline again: the edit is still shown and still pending
//   -- the server starts -- Reconnect: the edit syncs and the server has it.
// The server is started again whatever happens, for the test files that follow.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BANNER_CONTACT,
  CONNECTION,
  OFFLINE_TEXT,
  PASSWORD,
  ROW,
  bannerContact,
  editPhone,
  listedPatients,
  metric,
  newDataDir,
  openPatient,
  server,
  serverPatient,
  signIn,
  unlock,
  topBar,
  waitForAppExit,
  waitForRows,
  waitForSync,
  withFailureScreenshots,
} from "./helpers.mjs";
import { Session } from "./webdriver.mjs";

let app;
let dataDir;
/** The patient the tests open and edit, from the first launch's list. */
let patient;
const OFFLINE_PHONE = `(617) 555-${String(1000 + Math.floor(Math.random() * 9000))}`;

const launch = () => Session.start({ env: { ROUNDS_DATA_DIR: dataDir } });

async function quit() {
  await app?.end();
  app = undefined;
  await waitForAppExit(dataDir);
}

before(async () => {
  dataDir = await newDataDir("offline-restart");
});

after(async () => {
  await app?.end();
  await server("start");
});

const failures = (name, body) => withFailureScreenshots(name, () => [app], body);

test("after a restart with the server down, the cached patients are there and usable", { timeout: 90_000 }, () =>
  failures("offline-restart", async () => {
    app = await launch();
    await signIn(app);
    assert.equal(await app.text(CONNECTION), "Online");
    await waitForSync(app, "Synced");
    // A patient from the middle of the first page, to search for later.
    const rows = await listedPatients(app);
    patient = rows[7];
    assert.ok(patient?.name && patient?.mrn, `could not read a row: ${JSON.stringify(rows[7])}`);
    await quit();

    await server("stop");

    const started = performance.now();
    app = await launch();
    // A kept session opens locked; the password is checked on the device (the server is down).
    await app.waitFor("#unlock-password", { timeout: 30_000 });
    metric("startup to lock screen (cached, offline)", performance.now() - started);
    assert.equal((await app.findAll(ROW)).length, 0, "no patient is listed before the password");
    await app.screenshot("locked-after-restart.png");
    await unlock(app);
    const unlocked = performance.now();
    await app.waitUntil("a patient row is visible", () =>
      app.execute(
        "const row = document.querySelector(arguments[0]);" +
          "return !!row && row.getBoundingClientRect().height > 0 && row.checkVisibility?.() !== false;",
        [ROW],
      ), { timeout: 30_000, interval: 20 });
    metric("unlock to patient list (cached, offline)", performance.now() - unlocked);

    const listed = await waitForRows(app, 50);
    assert.ok(listed.length >= 50, `expected at least 50 rows, got ${listed.length}`);
    assert.equal(await app.text(CONNECTION), OFFLINE_TEXT);
    // No server session after a restart: the clinician is offered to reconnect.
    assert.deepEqual(await app.texts(".reconnect button"), ["Reconnect"]);

    // The cache is usable: search by family name, open the banner.
    const family = patient.name.split(",")[0].trim();
    const name = await openPatient(app, family, patient);
    assert.equal(name, patient.name);
    assert.match(await bannerContact(app), /Prefers/);
    await app.screenshot("offline-after-restart.png");
  }),
);

test("a change made offline survives a restart and syncs on reconnecting", { timeout: 90_000 }, () =>
  failures("offline-edit", async () => {
    assert.ok(app && patient, "needs the previous test's offline app");
    const reachable = await serverPatient(patient.mrn).then(() => true, () => false);
    assert.equal(reachable, false, "the server should be down for this test");

    await editPhone(app, OFFLINE_PHONE);
    await waitForSync(app, /^(Offline since \d\d:\d\d · )?1 pending$/);
    await quit();

    // Still offline: the edit is on this device, still waiting to be sent.
    app = await launch();
    await unlock(app);
    await waitForRows(app, 50);
    assert.equal(await app.text(CONNECTION), OFFLINE_TEXT);
    await waitForSync(app, /^(Offline since \d\d:\d\d · )?1 pending$/);
    await openPatient(app, patient.mrn, patient);
    assert.ok((await bannerContact(app)).includes(OFFLINE_PHONE), `banner: ${await bannerContact(app)}`);

    // The server is back. The session kept in the keychain reconnects by itself when sync next
    // tries; the clinician need not wait: Reconnect (password only) does it at once. Either way
    // the change is sent.
    await server("start");
    const reconnected = performance.now();
    const reconnect = await app.execute(`return !!document.querySelector(".reconnect button")`);
    if (reconnect) {
      await app.clickText(".reconnect button", "Reconnect").catch(() => {});
      const form = await app.execute(`return !!document.querySelector("#reconnect-password")`);
      if (form) {
        await app.type("#reconnect-password", PASSWORD);
        await app.click("#reconnect-submit");
      }
    }
    await app.waitUntil("the app is online", async () => (await topBar(app)).connection === "Online", {
      timeout: 30_000,
      describe: async () => JSON.stringify(await topBar(app)),
    });
    await waitForSync(app, "Synced", { timeout: 30_000 });
    metric("offline edit synced after reconnecting", performance.now() - reconnected);
    assert.equal((await serverPatient(patient.mrn)).phone, OFFLINE_PHONE, "the server has the offline edit");
    // And the device still shows it (nothing flipped back on syncing).
    await openPatient(app, patient.mrn, patient);
    assert.ok((await app.text(BANNER_CONTACT)).includes(OFFLINE_PHONE));
    await app.screenshot("offline-edit-synced.png");
  }),
);

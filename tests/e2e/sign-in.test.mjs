// End-to-end: the real rounds-desktop binary against a seeded rounds-server, through
// tauri-driver. Run by scripts/e2e.sh, which provides E2E_APP, E2E_ARTIFACTS, E2E_SERVER_URL and
// a running driver on a private X display.
//
// Both tests share one app session (starting the app costs seconds): the wrong-password test runs
// first, on the sign-in screen it finds, then the clinician signs in for real.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Keys, Session } from "./webdriver.mjs";

const PHYSICIAN = "maya.chen@demo.rounds.health";
const PASSWORD = "rounds-demo-2026";

const ROW = '[data-testid="patient-row"]';
const ALERT = '[role="alert"]';

/** Generous: the first sign-in downloads the demo patients into the local cache. */
const SIGN_IN_TIMEOUT = 60_000;

let app;

before(async () => {
  app = await Session.start();
  await app.waitFor("#email", { timeout: 30_000 });
  await app.screenshot("sign-in.png");
});

after(async () => {
  await app?.end();
});

/** Runs a test body; on failure saves a screenshot named after the test, then fails. */
async function withFailureScreenshot(name, body) {
  try {
    await body();
  } catch (error) {
    const file = await app?.screenshot(`failed-${name}.png`).catch(() => null);
    if (file) error.message += `\n(screenshot: ${file})`;
    throw error;
  }
}

test("wrong password shows a clear error and stays on sign-in", { timeout: 60_000 }, () =>
  withFailureScreenshot("wrong-password", async () => {
    await app.type("#email", PHYSICIAN);
    await app.type("#password", "not-the-password");
    await app.click("#sign-in");

    await app.waitFor(ALERT, { timeout: 30_000 });
    assert.equal(await app.text(ALERT), "Email or password is incorrect.");

    // Still the sign-in screen: the form is there, the patient list is not.
    await app.find("#sign-in");
    assert.equal((await app.findAll("#patient-search")).length, 0, "the patient search must not be shown");
    assert.equal(await app.property("#email", "value"), PHYSICIAN, "the email is kept for the next try");
    assert.equal(await app.property("#password", "value"), "", "the wrong password is cleared");
    await app.screenshot("sign-in-error.png");
  }),
);

test("a clinician signs in, finds a patient and opens the banner", { timeout: 180_000 }, () =>
  withFailureScreenshot("sign-in", async () => {
    await app.type("#email", PHYSICIAN);
    await app.type("#password", PASSWORD);
    await app.click("#sign-in");

    // The patient list: the search box and (up to the list's limit of 50) rows.
    await app.waitFor("#patient-search", { timeout: SIGN_IN_TIMEOUT });
    const rows = await app.waitUntil("at least 50 patient rows are listed", async () => {
      const texts = await app.texts(ROW);
      return texts.length >= 50 && texts;
    }, { timeout: SIGN_IN_TIMEOUT, describe: async () => `${(await app.texts(ROW)).length} rows` });
    assert.ok(rows.length >= 50, `expected at least 50 rows, got ${rows.length}`);
    assert.equal(await app.text('[data-testid="connection-status"]'), "Online");

    // Rows read "Family, Given" then the details: search for the first row's family name.
    const family = rows[0].split(",")[0].trim();
    assert.match(family, /^[^\n,]+$/, `could not read a family name from the first row: ${JSON.stringify(rows[0])}`);
    await app.sendKeys("#patient-search", family);

    // Wait for the answer to this query (the list is not busy and the box holds the name), then
    // every row must name the family.
    const state = () =>
      app.execute(`
        const results = document.querySelector(".search-results");
        return {
          value: document.getElementById("patient-search").value,
          busy: results ? results.getAttribute("aria-busy") : null,
          rows: Array.from(document.querySelectorAll(arguments[0]), (e) => e.innerText.trim()),
        };`, [ROW]);
    const filtered = await app.waitUntil(`the list shows the answer for "${family}"`, async () => {
      const s = await state();
      return s.value === family && s.busy === "false" && s.rows.length > 0 && s.rows;
    }, { describe: async () => JSON.stringify(await state()) });
    for (const row of filtered) {
      assert.ok(row.toLowerCase().includes(family.toLowerCase()), `row ${JSON.stringify(row)} does not contain ${family}`);
    }

    // Keyboard only: ArrowDown highlights the first row, Enter opens it.
    await app.sendKeys("#patient-search", Keys.ARROW_DOWN);
    const highlighted = await app.waitUntil("a row is highlighted", async () => {
      const names = await app.texts(`${ROW}[aria-selected="true"] .row-name`);
      return names.length === 1 && names[0];
    });
    await app.sendKeys("#patient-search", Keys.ENTER);

    await app.waitFor('[data-testid="patient-banner"]', { timeout: 15_000 });
    const bannerName = await app.waitUntil("the banner names the highlighted patient", async () => {
      const name = await app.text('[data-testid="banner-name"]');
      return name === highlighted && name;
    }, { describe: () => app.text('[data-testid="banner-name"]') });
    assert.ok(bannerName.includes(family), `banner "${bannerName}" does not contain ${family}`);
    await app.screenshot("patient-banner.png");
  }),
);

test("Ctrl+L locks the app: no patient on screen, the password returns to the same chart", { timeout: 60_000 }, () =>
  withFailureScreenshot("lock", async () => {
    const name = await app.text('[data-testid="banner-name"]');
    assert.ok(name, "needs the previous test's open patient");

    await app.press(Keys.CONTROL + "l");
    await app.waitFor("#unlock-password", { timeout: 10_000 });
    const visible = await app.execute("return document.body.innerText");
    assert.ok(!visible.includes(name), "the patient's name must not be on the lock screen");
    assert.match(visible, /Rounds is locked/);
    assert.match(visible, /Maya Chen/, "the lock screen names who is signed in");
    await app.screenshot("lock-screen.png");

    await app.waitUntil("the lock screen takes input", () =>
      app.execute(`return !document.getElementById("unlock-password").readOnly`));
    await app.type("#unlock-password", "not-the-password");
    await app.sendKeys("#unlock-password", Keys.ENTER);
    await app.waitFor(ALERT, { timeout: 10_000 });
    assert.match(await app.text(ALERT), /4 tries left/);
    assert.equal(await app.property("#unlock-password", "value"), "", "the wrong password is cleared");

    await app.type("#unlock-password", PASSWORD);
    await app.sendKeys("#unlock-password", Keys.ENTER);
    const back = await app.waitUntil("the same chart is open again", async () => {
      const banner = await app.findAll('[data-testid="banner-name"]');
      return banner.length === 1 && (await app.text('[data-testid="banner-name"]')) === name && name;
    }, { timeout: 15_000 });
    assert.equal(back, name);
  }),
);

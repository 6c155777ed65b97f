// End-to-end: an administrator reads a clinician's audit trail in the real app, verifies the
// chain, and looks at their own sessions.
//
//   The physician signs in through the API and reads a chart (an audit row)  ->  the administrator
//   signs in (no patients: administrators see none); g a opens Audit; typing the physician's
//   name and Enter shows her trail, oldest first, in plain words; v verifies the chain  ->
//   Sessions in the top bar lists the administrator's sessions, this device's marked.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PASSWORD, PHYSICIAN, SERVER_URL, newDataDir, withFailureScreenshots } from "./helpers.mjs";
import { DRIVERS, Keys, Session } from "./webdriver.mjs";

const ADMIN = "alex.morgan@demo.rounds.health";

let app;

before(async () => {
  app = await Session.start({ driver: DRIVERS.a, env: { ROUNDS_DATA_DIR: await newDataDir("admin") } });
});

after(async () => {
  await app?.end();
});

test("an administrator reads a clinician's audit trail, verifies it and sees their sessions", { timeout: 120_000 }, () =>
  withFailureScreenshots("admin", () => [app], async () => {
    // Something to find: the physician reads a patient through the API.
    const signIn = await fetch(`${SERVER_URL}/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: PHYSICIAN, password: PASSWORD }),
    }).then((r) => r.json());
    const page = await fetch(`${SERVER_URL}/patients?limit=1`, { headers: { authorization: `Bearer ${signIn.token}` } })
      .then((r) => r.json());
    assert.equal(page.patients.length, 1);

    await app.waitFor("#email", { timeout: 30_000 });
    await app.type("#email", ADMIN);
    await app.type("#password", PASSWORD);
    await app.click("#sign-in");
    await app.waitFor("#patient-search", { timeout: 60_000 });

    // g a: Audit. The subject picker has the focus after /.
    await app.press(Keys.ESCAPE);
    await app.press("ga");
    await app.waitFor('[data-testid="audit-screen"]');
    await app.press("/");
    await app.type("#audit-subject", "Maya Chen");
    await app.waitUntil("the picker offers the physician", () =>
      app.execute(`return document.body.innerText.includes("Maya Chen, MD")`));
    await app.press(Keys.ENTER);
    const rows = await app.waitUntil("her trail is listed", async () => {
      const texts = await app.texts('[data-testid="audit-row"]');
      return texts.length > 0 && texts;
    }, { timeout: 20_000 });
    assert.ok(rows.some((r) => /sign/i.test(r)), `a sign-in row: ${rows.slice(0, 5).join(" | ")}`);
    await app.screenshot("audit-trail.png");

    // v: the chain verifies.
    await app.execute(`document.activeElement?.blur()`);
    await app.press("v");
    const verdict = await app.waitUntil("the chain is verified", async () => {
      const text = await app.execute(`return document.querySelector('[data-testid="audit-verify"]')?.innerText ?? ""`);
      return text && text;
    }, { timeout: 20_000 });
    assert.match(verdict, /verif/i);
    assert.doesNotMatch(verdict, /does not verify/i);

    // Sessions: this device's session is listed and marked.
    await app.clickText("button", "Sessions");
    await app.waitFor('[data-testid="sessions-dialog"]');
    const sessions = await app.waitUntil("the sessions are listed", async () => {
      const texts = await app.texts('[data-testid="session-row"]');
      return texts.length > 0 && texts;
    }, { timeout: 20_000 });
    assert.ok(sessions.some((s) => /this device/i.test(s)), sessions.join(" | "));
    await app.screenshot("sessions.png");
  }),
);

// End-to-end: an administrator reads a clinician's audit trail in the real app, verifies the
// chain, and looks at their own sessions.
//
//   The physician signs in through the API and reads a chart (an audit row)  ->  the administrator
//   signs in (no patients: administrators see none); g a opens Audit; typing the physician's
//   name and Enter shows her trail, oldest first, in plain words; v verifies the chain  ->
//   Sessions in the top bar lists the administrator's sessions, this device's marked.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PASSWORD, PHYSICIAN, SERVER_URL, metric, newDataDir, withFailureScreenshots } from "./helpers.mjs";
import { DRIVERS, Keys, Session } from "./webdriver.mjs";

const ADMIN = "alex.morgan@demo.rounds.health";

let app;

/** Sets the organisation's idle limit through the API, as an administrator. */
async function setIdleLimit(minutes) {
  const admin = await fetch(`${SERVER_URL}/auth/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: ADMIN, password: PASSWORD }),
  }).then((r) => r.json());
  const response = await fetch(`${SERVER_URL}/admin/security-policy`, {
    method: "PUT",
    headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/json" },
    body: JSON.stringify({ idle_lock_minutes: minutes }),
  });
  assert.equal(response.status, 200, await response.text());
}

before(async () => {
  app = await Session.start({ driver: DRIVERS.a, env: { ROUNDS_DATA_DIR: await newDataDir("admin") } });
});

after(async () => {
  await app?.end();
  // The server is shared with the other end-to-end files: give the default back.
  await setIdleLimit(15).catch(() => {});
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

    // Two-step setup shows a QR code for the authenticator app, and the key to type. (Pending
    // until a code from the app confirms it: the account still signs in with its password.)
    await app.clickText("button", "Set up an authenticator app");
    await app.waitFor('[data-testid="two-step"] svg[role="img"]', { timeout: 15_000 });
    const key = (await app.text('[data-testid="two-step-secret"]')).replace(/\s/g, "");
    assert.match(key, /^[A-Z2-7]{32}$/, `the key: ${key}`);
    assert.match(await app.text('[data-testid="two-step-uri"]'), /^otpauth:\/\/totp\//);
    await app.screenshot("two-step-qr.png");
  }),
);

test("a flagged physician opens a chart by emergency access, read-only, with a reason", { timeout: 120_000 }, () =>
  withFailureScreenshots("break-glass", () => [app], async () => {
    const api = async (path, { token, method = "GET", body } = {}) => {
      const response = await fetch(`${SERVER_URL}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return response.status === 204 ? null : response.json();
    };
    const admin = await api("/auth/sign-in", { method: "POST", body: { email: ADMIN, password: PASSWORD } });
    const physician = await api("/auth/sign-in", { method: "POST", body: { email: PHYSICIAN, password: PASSWORD } });
    await api(`/admin/practitioners/${physician.practitioner.id}/break-glass`, { token: admin.token, method: "PUT", body: { allowed: true } });
    const { patients } = await api("/patients?limit=1", { token: physician.token });
    const mrn = patients[0].mrn;

    // The administrator closes the sessions dialog and signs out; the physician signs in here.
    await app.press(Keys.ESCAPE);
    await app.waitUntil("the sessions dialog is closed", () =>
      app.execute(`return !document.querySelector('[data-testid="sessions-dialog"]')`));
    await app.clickText("button", "Sign out");
    await app.waitFor("#email", { timeout: 30_000 });
    await app.type("#email", PHYSICIAN);
    await app.type("#password", PASSWORD);
    await app.click("#sign-in");
    await app.waitFor("#patient-search", { timeout: 60_000 });

    await app.clickText("button", "Emergency access…");
    await app.waitFor('[data-testid="break-glass-dialog"]');
    await app.type("#break-glass-mrn", mrn);
    await app.type("#break-glass-reason", "Collapsed in the lobby; need allergies and recent notes now");
    await app.press(Keys.CONTROL + Keys.ENTER);
    await app.waitFor('[data-testid="break-glass-chart"]', { timeout: 20_000 });
    const chart = await app.text('[data-testid="break-glass-chart"]');
    assert.match(chart, /read-only/i);
    assert.ok(chart.includes(mrn), chart.slice(0, 300));
    await app.screenshot("break-glass.png");

    // The administrator sees it at high severity.
    const trail = await api(`/audit?format=json&practitioner_id=${physician.practitioner.id}`, { token: admin.token });
    const granted = trail.find((r) => r.action === "break_glass.granted");
    assert.ok(granted && granted.severity === "high", JSON.stringify(trail.slice(-3)));
  }),
);


test("after the organisation's idle limit with no input, the app locks itself; the password resumes", { timeout: 150_000 }, () =>
  withFailureScreenshots("idle-lock", () => [app], async () => {
    // The physician from the previous test is signed in, on the emergency-access chart. The last
    // input is this Escape; the new limit reaches the device by sync (a poke from the server).
    await app.press(Keys.ESCAPE);
    const lastInput = performance.now();
    await setIdleLimit(1);
    await app.waitFor("#unlock-password", { timeout: 100_000, interval: 250 });
    const lockedAfter = performance.now() - lastInput;
    metric("idle lock shown after the last input (1-minute limit)", lockedAfter);
    // The UI reports input at most every 15 s, so the core may have seen the last input up to
    // 15 s before it happened: the lock comes between 45 and 60 s after it, never much sooner.
    assert.ok(lockedAfter > 43_000, `locked ${Math.round(lockedAfter)} ms after the last input: before the limit`);
    const visible = await app.execute("return document.body.innerText");
    assert.match(visible, /Locked after 1 minute/);
    assert.doesNotMatch(visible, /Emergency access/);
    await app.screenshot("idle-locked.png");

    await app.waitUntil("the lock screen takes input", () =>
      app.execute(`return !document.getElementById("unlock-password").readOnly`));
    await app.type("#unlock-password", PASSWORD);
    await app.sendKeys("#unlock-password", Keys.ENTER);
    await app.waitFor("#patient-search", { timeout: 15_000 });
    await setIdleLimit(15);
  }),
);

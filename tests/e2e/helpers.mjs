// Steps the end-to-end tests share: signing in, finding and opening a patient, editing the phone,
// reading the top bar, asking the server directly, stopping and starting the server.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Keys } from "./webdriver.mjs";

const run = promisify(execFile);

export const PHYSICIAN = "maya.chen@demo.rounds.health";
export const NURSE_PRACTITIONER = "nina.patel@demo.rounds.health";
export const CARE_COORDINATOR = "sam.rivera@demo.rounds.health";
export const PASSWORD = "rounds-demo-2026";
export const SERVER_URL = process.env.E2E_SERVER_URL ?? "http://127.0.0.1:8720";

export const ROW = '[data-testid="patient-row"]';
export const BANNER = '[data-testid="patient-banner"]';
export const BANNER_NAME = '[data-testid="banner-name"]';
export const BANNER_CONTACT = '[data-testid="banner-contact"]';
export const CONNECTION = '[data-testid="connection-status"]';
export const SYNC = '[data-testid="sync-indicator"]';
export const REFUSED = '[data-testid="refused-changes"]';
export const OFFLINE_TEXT = "Offline — working from this device";

/** Generous: the first sign-in downloads the demo patients into the local cache. */
export const SIGN_IN_TIMEOUT = 60_000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A new, empty folder for one device's local cache (removed with the e2e run's temp folder). */
export function newDataDir(name) {
  return mkdtemp(join(process.env.E2E_TMP ?? tmpdir(), `${name}-`));
}

/** Prints a measurement for the run's log. Timings are reported, never asserted. */
export function metric(what, ms) {
  console.log(`metric: ${what}: ${Math.round(ms)} ms`);
}

/** Runs a test body; on failure saves a screenshot of each app (`failed-NAME-a.png`, ...), then fails. */
export async function withFailureScreenshots(name, apps, body) {
  try {
    await body();
  } catch (error) {
    for (const app of apps().filter(Boolean)) {
      const file = await app.screenshot(`failed-${name}-${app.driver.name}.png`).catch(() => null);
      if (file) error.message += `\n(screenshot: ${file})`;
    }
    throw error;
  }
}

/** Signs in on the sign-in screen and waits for a full first page of patients (50 rows). */
export async function signIn(app, email = PHYSICIAN, password = PASSWORD) {
  await app.waitFor("#email", { timeout: 30_000 });
  await app.type("#email", email);
  await app.type("#password", password);
  await app.click("#sign-in");
  await app.waitFor("#patient-search", { timeout: SIGN_IN_TIMEOUT });
  return waitForRows(app, 50, SIGN_IN_TIMEOUT);
}

/**
 * Unlocks the lock screen (an app restarted with a kept session opens on it: the password is
 * checked on the device, so this works offline).
 */
export async function unlock(app, password = PASSWORD) {
  await app.waitFor("#unlock-password", { timeout: 30_000 });
  await app.waitUntil("the lock screen takes input", () =>
    app.execute(`return !document.getElementById("unlock-password").readOnly`));
  await app.type("#unlock-password", password);
  await app.press(Keys.ENTER);
  await app.waitUntil("the lock screen is gone", async () => (await app.findAll("#unlock-password")).length === 0, {
    timeout: 15_000,
  });
}

/** Waits until at least `min` patient rows are listed; returns their texts. */
export function waitForRows(app, min, timeout = 30_000) {
  return app.waitUntil(`at least ${min} patient rows are listed`, async () => {
    const texts = await app.texts(ROW);
    return texts.length >= min && texts;
  }, { timeout, describe: async () => `${(await app.texts(ROW)).length} rows` });
}

/** The patient list's state, read in one go. */
function searchState(app) {
  return app.execute(`
    const results = document.querySelector(".search-results");
    return {
      value: document.getElementById("patient-search").value,
      busy: results ? results.getAttribute("aria-busy") : null,
      rows: Array.from(document.querySelectorAll(arguments[0]), (row) => ({
        name: row.querySelector(".row-name")?.innerText.trim(),
        mrn: row.querySelector(".row-mrn")?.innerText.replace(/^MRN\\s*/, "").trim(),
      })),
    };`, [ROW]);
}

/** The name and MRN of the listed rows (the first page, before any search). */
export async function listedPatients(app) {
  return (await searchState(app)).rows;
}

/**
 * Searches for `query`, waits for the answer, clicks the row with this MRN and waits for its
 * banner. Returns the banner's name.
 */
export async function openPatient(app, query, { mrn, name }) {
  await app.type("#patient-search", query);
  const rows = await app.waitUntil(`the list shows the answer for "${query}" including MRN ${mrn}`, async () => {
    const s = await searchState(app);
    return s.value === query && s.busy === "false" && s.rows.some((r) => r.mrn === mrn) && s.rows;
  }, { describe: async () => JSON.stringify(await searchState(app)) });
  const index = rows.findIndex((r) => r.mrn === mrn);
  await app.execute("document.querySelectorAll(arguments[0])[arguments[1]].scrollIntoView({ block: 'nearest' });", [ROW, index]);
  await app.click(`${ROW}:nth-child(${index + 1})`);
  return app.waitUntil(`the banner shows ${name}`, async () => {
    const shown = await app.texts(BANNER_NAME);
    return shown.length === 1 && shown[0] === name && shown[0];
  }, { describe: async () => JSON.stringify(await app.texts(BANNER_NAME)) });
}

/** The banner's contact line ("(617) 555-0101 · ... · Prefers sms"), or null without a banner. */
export async function bannerContact(app) {
  const texts = await app.texts(BANNER_CONTACT);
  return texts.length === 1 ? texts[0] : null;
}

/** Edits the open patient's phone through the banner's Edit form; waits until the banner shows it. */
export async function editPhone(app, phone) {
  await app.clickText(".banner-contact-row button", "Edit");
  await app.waitFor("#edit-phone");
  await app.type("#edit-phone", phone);
  await app.click("#save-patient");
  await app.waitUntil(`the banner shows the phone ${phone}`, async () => {
    const contact = await bannerContact(app);
    return contact !== null && contact.includes(phone);
  }, { describe: () => bannerContact(app) });
}

/** The top bar's connection status and sync indicator texts. */
export async function topBar(app) {
  const [connection, sync] = await Promise.all([app.texts(CONNECTION), app.texts(SYNC)]);
  return { connection: connection[0] ?? null, sync: sync[0] ?? null };
}

/** Waits until the sync indicator's text passes `test` (a string: equal; a RegExp: matches). */
export function waitForSync(app, test, { timeout = 15_000 } = {}) {
  const ok = (text) => (typeof test === "string" ? text === test : test.test(text ?? ""));
  return app.waitUntil(`the sync indicator says ${test}`, async () => {
    const { sync } = await topBar(app);
    return ok(sync) && sync;
  }, { timeout, describe: async () => JSON.stringify(await topBar(app)) });
}

// --- The server, asked directly ------------------------------------------------------------------

async function api(path, { token, body } = {}) {
  const response = await fetch(SERVER_URL + path, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`server ${path}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** The patient with this MRN as the server has it (signed in as `email`). */
export async function serverPatient(mrn, email = PHYSICIAN) {
  const { token } = await api("/auth/sign-in", { body: { email, password: PASSWORD } });
  let after = null;
  for (;;) {
    const page = await api(`/patients?limit=100${after ? `&after=${after}` : ""}`, { token });
    const found = page.patients.find((p) => p.mrn === mrn);
    if (found) return found;
    if (!page.next_after) throw new Error(`the server has no patient with MRN ${mrn}`);
    after = page.next_after;
  }
}

/** Asks scripts/e2e-server.sh to stop or start the server (and waits until it has). */
export async function server(action) {
  const ctl = process.env.E2E_SERVER_CTL;
  if (!ctl) throw new Error("E2E_SERVER_CTL is not set: run the tests through scripts/e2e.sh");
  try {
    await run("bash", [ctl, action], { timeout: 45_000 });
  } catch (e) {
    throw new Error(`server ${action} failed: ${e.stderr || e.message}`);
  }
}

/**
 * Waits until no app process uses this data folder any more: ending a session ends the app, and
 * the next launch on the same folder must not overlap with it.
 */
export async function waitForAppExit(dataDir, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const users = [];
    for (const pid of (await readdir("/proc")).filter((n) => /^\d+$/.test(n))) {
      const environ = await readFile(`/proc/${pid}/environ`, "latin1").catch(() => "");
      if (environ.split("\0").includes(`ROUNDS_DATA_DIR=${dataDir}`)) {
        const comm = (await readFile(`/proc/${pid}/comm`, "latin1").catch(() => "")).trim();
        if (comm.startsWith("rounds-desktop")) users.push(pid);
      }
    }
    if (users.length === 0) return;
    if (Date.now() > deadline) assert.fail(`the app (pid ${users.join(", ")}) still runs on ${dataDir}`);
    await sleep(100);
  }
}

/**
 * An adult patient (18+) the server has in one of these states, as `email` sees them. `skip`
 * passes over that many matches first, so that test files can each take their own patient.
 */
export async function serverAdultIn(states, email = PHYSICIAN, { skip = 0 } = {}) {
  const { token } = await api("/auth/sign-in", { body: { email, password: PASSWORD } });
  const today = new Date();
  const adultIn = (p) => {
    const born = new Date(p.birth_date);
    const age = today.getFullYear() - born.getFullYear() - (today < new Date(today.getFullYear(), born.getMonth(), born.getDate()) ? 1 : 0);
    return age >= 25 && states.includes(p.current_state);
  };
  let left = skip;
  let after = null;
  for (;;) {
    const page = await api(`/patients?limit=100${after ? `&after=${after}` : ""}`, { token });
    for (const p of page.patients.filter(adultIn)) {
      if (left === 0) return p;
      left -= 1;
    }
    if (!page.next_after) throw new Error(`the server has no adult patient in ${states.join(", ")} (skipping ${skip})`);
    after = page.next_after;
  }
}

/**
 * Creates a task on the server as `email`, the way a device would (one command pushed from a new
 * device): for the first patient `email` sees unless `patient_id` is given. `queue: null` lets the
 * server route it by the organisation's rules. Returns { task_id, patient_id, result, practitioner }
 * (`result`: the push's answer for the command; the caller checks it was applied).
 */
export async function serverCreateTask(email, {
  patient_id = null,
  task_kind = "scheduling",
  queue = null,
  license_state = "TX",
  priority = "urgent",
  description = "Book a follow-up video visit",
} = {}) {
  const { token, practitioner } = await api("/auth/sign-in", { body: { email, password: PASSWORD } });
  if (!patient_id) {
    const page = await api("/patients?limit=1", { token });
    patient_id = page.patients[0]?.id;
    if (!patient_id) throw new Error(`${email} sees no patient on the server`);
  }
  const task_id = randomUUID();
  const pushed = await api("/sync/push", {
    token,
    body: {
      device_id: randomUUID(),
      commands: [{
        client_seq: 1,
        mutation_id: randomUUID(),
        schema_version: 2,
        mutation: { kind: "create_task", task_id, patient_id, task_kind, queue, license_state, priority, description },
      }],
    },
  });
  return { task_id, patient_id, result: pushed.results[0] ?? null, practitioner };
}

/** The practitioner `email` signs in as (id, display_name, roles, licenses...), as the server has them. */
export async function serverPractitioner(email) {
  return (await api("/auth/sign-in", { body: { email, password: PASSWORD } })).practitioner;
}

/** The latest copy of a task in `email`'s change log (null when `email` never saw it). */
export async function serverTask(taskId, email = PHYSICIAN) {
  const copies = (await serverChanges(email))
    .filter((c) => c.record.type === "task" && c.record.record.id === taskId)
    .map((c) => c.record.record);
  return copies.at(-1) ?? null;
}

/** Every change in `email`'s scope, read from the server's change log. */
export async function serverChanges(email = PHYSICIAN) {
  const { token } = await api("/auth/sign-in", { body: { email, password: PASSWORD } });
  const changes = [];
  let cursor = 0;
  for (;;) {
    const page = await api(`/sync/pull?cursor=${cursor}&limit=1000`, { token });
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.more) return changes;
  }
}

/**
 * Every file on this machine the app could have left `needle` in, outside its encrypted cache's
 * pages: the app's data folders (the cache, -wal, -shm, anything else), the WebView's storage and
 * cache (WebKit keeps local storage, IndexedDB and its HTTP cache under the app's identifier), the
 * app's and the server's logs, and temp files written since `since`. The server's own database
 * holds the record by design and is skipped. Searched as UTF-8 and as UTF-16 (WebKit's storage).
 * Answers the files that contain it, and how many were read.
 */
export async function filesHolding(needle, { dataDirs, since }) {
  const identifier = "health.rounds.desktop";
  const dataHome = process.env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const artifacts = process.env.E2E_ARTIFACTS ?? "tests/e2e/artifacts";
  // The e2e server's own database (server.sqlite3 and its -wal/-shm) holds the record by design.
  const serverDb = process.env.E2E_TMP ? join(process.env.E2E_TMP, "server.sqlite3") : null;
  const skip = (path) =>
    (serverDb && path.startsWith(serverDb)) || /\/(node_modules|\.git|target)$/.test(path) || path.startsWith(artifacts + "/screens");
  const patterns = [Buffer.from(needle, "utf8"), Buffer.from(needle, "utf16le")];
  const found = [];
  let read = 0;
  async function walk(path, { recent }) {
    if (skip(path)) return;
    const info = await stat(path).catch(() => null);
    if (!info) return;
    if (info.isDirectory()) {
      for (const name of await readdir(path).catch(() => [])) await walk(join(path, name), { recent });
      return;
    }
    if (!info.isFile() || info.size > 256 * 1024 * 1024) return;
    if (recent && info.mtimeMs < since) return;
    const bytes = await readFile(path).catch(() => null);
    if (!bytes) return;
    read += 1;
    if (patterns.some((p) => bytes.includes(p))) found.push(path);
  }
  for (const dir of dataDirs) await walk(dir, { recent: false });
  await walk(join(dataHome, identifier), { recent: false });
  await walk(join(cacheHome, identifier), { recent: false });
  for (const log of ["driver-a.log", "driver-b.log", "server.log"]) await walk(join(artifacts, log), { recent: false });
  await walk(tmpdir(), { recent: true });
  return { found: [...new Set(found)], read };
}

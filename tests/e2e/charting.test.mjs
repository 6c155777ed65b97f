// End-to-end: a physician charts the reference sore-throat visit in the real app by keyboard,
// signs it and adds an addendum. Counts the interactions (keys and clicks; free text excluded;
// target <= 15), measures page transitions (key press to the next page on screen), screenshots
// every page, and checks the signed note on the server.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Keys, Session } from "./webdriver.mjs";
import { readdir, readFile } from "node:fs/promises";
import {
  BANNER_NAME,
  PASSWORD,
  PHYSICIAN,
  ROW,
  metric,
  newDataDir,
  openPatient,
  serverAdultIn,
  server,
  serverChanges,
  filesHolding,
  signIn,
  unlock,
  topBar,
  waitForAppExit,
  waitForRows,
  waitForSync,
  withFailureScreenshots,
} from "./helpers.mjs";

const LICENSED = ["CA", "NY", "TX", "WA", "FL", "IL"];
const NEXT = Keys.CONTROL + Keys.ENTER;

let app;
let dataDir;
/** The patient charted by the first test. */
let patient;

before(async () => {
  dataDir = await newDataDir("charting");
  app = await Session.start({ env: { ROUNDS_DATA_DIR: dataDir } });
});

after(async () => {
  await app?.end();
  await server("start");
});

/** SIGKILL for the app running on this data folder: no shutdown path runs. */
async function killApp() {
  for (const pid of (await readdir("/proc")).filter((n) => /^\d+$/.test(n))) {
    const environ = await readFile(`/proc/${pid}/environ`, "latin1").catch(() => "");
    const comm = (await readFile(`/proc/${pid}/comm`, "latin1").catch(() => "")).trim();
    if (comm.startsWith("rounds-desktop") && environ.split("\0").includes(`ROUNDS_DATA_DIR=${dataDir}`)) {
      process.kill(Number(pid), "SIGKILL");
    }
  }
  await app.end();
  app = undefined;
  await waitForAppExit(dataDir);
}

/** Records, inside the app, how long each page change takes from the key press to the frame after it. */
function watchTransitions(app) {
  return app.execute(`
    window.__transitions = [];
    let pressed = null;
    document.addEventListener("keydown", () => { pressed = performance.now(); }, true);
    let shown = document.querySelector("[data-page]")?.getAttribute("data-page");
    new MutationObserver(() => {
      const now = document.querySelector("[data-page]")?.getAttribute("data-page");
      if (now && now !== shown && pressed !== null) {
        const started = pressed;
        shown = now;
        requestAnimationFrame(() => window.__transitions.push(performance.now() - started));
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-page"] });
  `);
}

test("a sore-throat visit is charted by keyboard, signed and amended", { timeout: 240_000 }, () =>
  withFailureScreenshots("charting", () => [app], async () => {
    let interactions = 0;
    const press = async (keys, why) => {
      interactions += 1;
      await app.press(keys);
      return why;
    };
    const onPage = (page) =>
      app.waitUntil(`the ${page} page is shown`, async () => (await app.findAll(`[data-page="${page}"]`)).length > 0, {
        describe: () => app.execute(`return document.querySelector("[data-page]")?.getAttribute("data-page")`),
      });
    /** The key shown on a button or row (its <kbd>). */
    const keyOf = (css) =>
      app.execute(`return document.querySelector(arguments[0])?.querySelector("kbd")?.innerText.trim() ?? null`, [css]);
    const findingKey = (rowCss, label) =>
      app.execute(
        `const row = document.querySelector(arguments[0]);
         const b = row && Array.from(row.querySelectorAll("button")).find((x) => x.innerText.includes(arguments[1]));
         return b?.querySelector("kbd")?.innerText.trim() ?? null;`,
        [rowCss, label],
      );

    await signIn(app, PHYSICIAN);
    patient = await serverAdultIn(LICENSED);
    const name = `${patient.family_name}, ${patient.given_name}`;
    await openPatient(app, patient.mrn, { mrn: patient.mrn, name });
    assert.equal(await app.text(BANNER_NAME), name);
    await app.waitFor('[data-testid="new-visit"]');
    await app.screenshot("chart-patient.png");

    // 1: New visit. Context is filled in from the patient; licensed, so it lands on the complaint.
    interactions += 1;
    await app.click('[data-testid="new-visit"]');
    await onPage("complaint");
    await watchTransitions(app);
    await app.waitFor('[data-testid="complaint-sore_throat"]');
    await app.screenshot("chart-1-complaint.png");
    const complaintKey = await keyOf('[data-testid="complaint-sore_throat"]');
    assert.match(complaintKey ?? "", /^[1-9]$/, "Sore throat is among the first nine buttons");
    await press(complaintKey);
    await app.waitUntil("Sore throat is chosen", async () =>
      (await app.property('[data-testid="complaint-sore_throat"]', "ariaPressed")) === "true");
    await press(NEXT);
    await onPage("history");

    // History: the first prompt (onset) is selected; its second option.
    const onset = await findingKey('[data-testid="hpi-onset"]', "1-2 days");
    assert.ok(onset, "the onset options have letters");
    await press(onset);
    await app.waitUntil("onset is answered", () =>
      app.execute(`return Array.from(document.querySelectorAll('[data-testid="hpi-onset"] [aria-pressed="true"]')).length === 1`));
    await app.screenshot("chart-2-history.png");
    await press(NEXT);
    await onPage("systems");

    // Systems: everything normal, then the throat exam shows exudate.
    await press("n");
    const throatRow = '[data-testid="system-exam:throat"]';
    await app.waitUntil("systems are marked normal", async () =>
      (await app.execute(`return document.querySelector(arguments[0])?.getAttribute("data-status")`, [throatRow])) === "normal");
    await press(await keyOf(`${throatRow} .prompt-label`));
    await press(await findingKey(throatRow, "Tonsillar exudate"));
    await app.waitUntil("the throat is abnormal", async () =>
      (await app.execute(`return document.querySelector(arguments[0])?.getAttribute("data-status")`, [throatRow])) === "abnormal");
    await app.screenshot("chart-3-systems.png");
    await press(NEXT);
    await onPage("vitals");

    // Vitals: the temperature field has the focus; typing is free text.
    await app.press("101.3");
    await app.waitUntil("the fever is flagged", async () =>
      (await app.execute(`return document.body.innerText`)).includes("high for an adult"));
    await app.screenshot("chart-4-vitals.png");
    await press(NEXT);
    await onPage("assessment");

    // Assessment: the first suggested code.
    await app.waitFor('[data-testid^="suggested-"]');
    const firstCode = await app.execute(`return document.querySelector('[data-testid^="suggested-"]').getAttribute("data-testid").slice(10)`);
    await press("1");
    await app.waitUntil(`${firstCode} is a diagnosis`, async () => (await app.text('[data-testid="diagnoses"]')).includes(firstCode));
    await app.screenshot("chart-5-assessment.png");
    await press(NEXT);
    await onPage("plan");

    // Plan: the instructions have the focus.
    await app.press("Fluids, rest, salt-water gargles. Call if unable to swallow.");
    await app.screenshot("chart-6-plan.png");
    await press(NEXT);
    await onPage("review");
    await app.waitUntil("nothing blocks signing", async () => !(await app.execute(`return document.querySelector('[data-testid="sign"]').disabled`)));
    const note = await app.text('[data-testid="note"]');
    for (const part of ["Chief complaint: Sore throat.", "Onset: 1-2 days", "Tonsillar exudate", "T 101.3 °F", firstCode, "Fluids, rest"]) {
      assert.ok(note.includes(part), `the note has ${part}:\n${note}`);
    }
    await app.screenshot("chart-7-review.png");

    // Sign (Ctrl+Enter on the review page); the addendum box takes the focus.
    await press(NEXT);
    await app.waitFor('[data-testid="signed-line"]');
    await app.waitUntil("the addendum box has the focus", () =>
      app.execute(`return document.activeElement?.getAttribute("data-testid") === "addendum"`));
    await app.press("Rapid strep positive; amoxicillin started.");
    await press(NEXT);
    await app.waitUntil("the addendum is listed", async () =>
      (await app.execute(`return document.body.innerText`)).includes("Rapid strep positive; amoxicillin started."));
    await waitForSync(app, "Synced", { timeout: 30_000 });
    await app.screenshot("chart-8-signed.png");

    console.log(`metric: interactions for the reference visit (keys and clicks, free text excluded): ${interactions}`);
    assert.ok(interactions <= 15, `charting took ${interactions} interactions (target 15)`);
    const transitions = await app.execute("return window.__transitions");
    assert.ok(transitions.length >= 6, `page changes were observed: ${JSON.stringify(transitions)}`);
    const sorted = [...transitions].sort((a, b) => a - b);
    metric(`page transition median over ${sorted.length}`, sorted[Math.floor(sorted.length / 2)]);
    metric(`page transition max over ${sorted.length}`, sorted[sorted.length - 1]);

    // The server holds the signed note with its addendum, and the hash of what was shown.
    const signed = await app.waitUntil("the server has the amended note", async () => {
      const encounters = (await serverChanges()).filter((c) => c.record.type === "encounter" && c.record.record.patient_id === patient.id);
      const latest = encounters.at(-1)?.record.record;
      return latest?.status === "amended" && latest;
    }, { timeout: 30_000 });
    assert.equal(signed.note.trim(), note.trim());
    assert.equal(signed.addenda.length, 1);
    assert.match(signed.content_hash, /^[0-9a-f]{64}$/);
  }),
);

test("page changes and charting commands are quick (reported, not asserted)", { timeout: 120_000 }, () =>
  withFailureScreenshots("charting-timings", () => [app], async () => {
    // A second visit for the same patient: leave the signed note, start again.
    await app.press(Keys.ESCAPE);
    await app.press(Keys.ESCAPE);
    await app.waitFor('[data-testid="new-visit"]');
    await app.click('[data-testid="new-visit"]');
    await app.waitFor('[data-page="complaint"]');
    await watchTransitions(app);
    // Jump around the pages by Alt+digit, waiting for each to be on screen.
    const order = ["1", "3", "5", "7", "2", "4", "6", "8"];
    for (let round = 0; round < 5; round += 1) {
      for (const digit of order) {
        const page = ["context", "complaint", "history", "systems", "vitals", "assessment", "plan", "review"][Number(digit) - 1];
        await app.press(Keys.ALT + digit);
        await app.waitUntil(`page ${page}`, async () => (await app.findAll(`[data-page="${page}"]`)).length > 0);
      }
    }
    const transitions = (await app.execute("return window.__transitions")).sort((a, b) => a - b);
    const at = (p) => transitions[Math.min(transitions.length - 1, Math.round((transitions.length - 1) * p))];
    metric(`page transition (Alt+digit, key to next frame) median over ${transitions.length}`, at(0.5));
    metric(`page transition p95 over ${transitions.length}`, at(0.95));

    // Command round trips through IPC into the encrypted cache and back, from the page.
    const encounterId = await app.execute(
      `return document.querySelector('[data-testid="charting"]')?.getAttribute("data-encounter") ?? null`,
    );
    const rounds = await app.executeAsync(
      `const done = arguments[arguments.length - 1];
       const invoke = window.__TAURI_INTERNALS__.invoke;
       const id = arguments[0];
       (async () => {
         const view = await invoke("get_encounter", { encounterId: id });
         const plan = view.encounter.draft.plan;
         const reads = [], saves = [];
         for (let i = 0; i < 60; i += 1) {
           let t = performance.now();
           await invoke("get_encounter", { encounterId: id });
           reads.push(performance.now() - t);
           t = performance.now();
           await invoke("save_section", { encounterId: id, section: { section: "plan", ...plan, instructions: "Typing " + i } });
           saves.push(performance.now() - t);
         }
         done({ reads, saves });
       })().catch((e) => done({ error: String(e?.message ?? e) }));`,
      [encounterId],
    );
    assert.ok(!rounds.error, `invoke failed: ${rounds.error}`);
    for (const [name, list] of [["get_encounter", rounds.reads], ["save_section (autosave)", rounds.saves]]) {
      const sorted = [...list].sort((a, b) => a - b);
      metric(`${name} round trip median over ${sorted.length}`, sorted[Math.floor(sorted.length / 2)]);
      metric(`${name} round trip p95 over ${sorted.length}`, sorted[Math.round((sorted.length - 1) * 0.95)]);
    }
  }),
);

test("offline: a visit typed with the server down survives a kill, is signed, and syncs on reconnecting", { timeout: 180_000 }, () =>
  withFailureScreenshots("charting-offline", () => [app], async () => {
    assert.ok(patient, "needs the first test's patient");
    const name = `${patient.family_name}, ${patient.given_name}`;
    const offlineStarted = Date.now();
    const typed = `Typed offline before the crash ${Date.now()}`;
    await server("stop");
    // Back to the patient, a new visit, then straight to the plan.
    for (let i = 0; i < 3 && (await app.findAll('[data-testid="charting"]')).length > 0; i += 1) {
      await app.press(Keys.ESCAPE);
    }
    await app.waitUntil("the chart is closed", async () => (await app.findAll('[data-testid="charting"]')).length === 0);
    await app.click('[data-testid="new-visit"]');
    await app.waitFor('[data-page="complaint"]');
    await app.press((await app.execute(`return document.querySelector('[data-testid="complaint-sore_throat"] kbd').innerText.trim()`)));
    await app.press(Keys.ALT + "7");
    await app.waitFor('[data-page="plan"]');
    await app.press(typed);
    await app.waitUntil("the plan is saved", async () => (await app.text('[data-testid="save-status"]')) === "Saved");
    await killApp();

    // Started again, still offline: the cached chart and the typed plan are there.
    app = await Session.start({ env: { ROUNDS_DATA_DIR: dataDir } });
    await unlock(app);
    await waitForRows(app, 50);
    await openPatient(app, patient.mrn, { mrn: patient.mrn, name });
    assert.equal(await app.text(BANNER_NAME), name);
    await app.clickText('[data-testid="patient-visits"] button', "Resume draft");
    await app.waitFor("[data-page]");
    await app.press(Keys.ALT + "7");
    await app.waitFor('[data-page="plan"]');
    const kept = await app.execute(`return Array.from(document.querySelectorAll("[data-page='plan'] textarea"), (t) => t.value).join("\\n")`);
    assert.ok(kept.includes(typed), `the plan after the kill: ${kept}`);
    await app.screenshot("chart-offline-after-kill.png");

    // Finish the note offline and sign it: signed here, waiting to sync.
    await app.press(Keys.ALT + "3");
    await app.waitFor('[data-page="history"]');
    await app.press("b");
    await app.press(Keys.ALT + "4");
    await app.waitFor('[data-page="systems"]');
    await app.press("n");
    await app.press(Keys.ALT + "6");
    await app.waitFor('[data-page="assessment"]');
    await app.waitFor('[data-testid^="suggested-"]');
    await app.press("1");
    await app.waitUntil("a diagnosis is chosen", async () => (await app.text('[data-testid="diagnoses"]')).match(/[A-Z]\d\d/));
    await app.press(Keys.ALT + "8");
    await app.waitFor('[data-page="review"]');
    await app.waitUntil("nothing blocks signing", async () => !(await app.execute(`return document.querySelector('[data-testid="sign"]').disabled`)));
    await app.press(Keys.CONTROL + Keys.ENTER);
    await app.waitFor('[data-testid="signed-line"]');
    assert.match(await app.text('[data-testid="signed-line"]'), /waiting to sync/i);
    await app.screenshot("chart-offline-signed.png");

    // The server is back: reconnect, and the signed note reaches it.
    await server("start");
    for (let i = 0; i < 3 && (await app.findAll('[data-testid="charting"]')).length > 0; i += 1) {
      await app.press(Keys.ESCAPE);
    }
    await app.clickText(".reconnect button", "Reconnect");
    await app.waitFor("#reconnect-password");
    await app.type("#reconnect-password", PASSWORD);
    await app.click("#reconnect-submit");
    await app.waitUntil("the app is online", async () => (await topBar(app)).connection === "Online", { timeout: 30_000 });
    await waitForSync(app, "Synced", { timeout: 30_000 });
    const signed = await app.waitUntil("the server has the note signed", async () => {
      const notes = (await serverChanges()).filter((c) => c.record.type === "encounter" && c.record.record.patient_id === patient.id)
        .map((c) => c.record.record);
      const latest = notes.filter((e) => e.note.includes(typed)).at(-1);
      return latest?.status === "signed" && latest;
    }, { timeout: 30_000 });
    assert.match(signed.content_hash, /^[0-9a-f]{64}$/);

    // What the clinician typed went through the WebView into the encrypted cache and to the
    // server: no file on this machine holds it in clear (cache, -wal, -shm, WebView storage,
    // logs, temp files), except the server's own database.
    const { found, read } = await filesHolding(typed, { dataDirs: [dataDir], since: offlineStarted });
    assert.ok(read > 5, `only ${read} files were read`);
    assert.deepEqual(found, [], `the typed note is in clear text in ${found.join(", ")}`);
  }),
);

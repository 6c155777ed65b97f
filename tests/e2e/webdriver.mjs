// A tiny W3C WebDriver client over Node's built-in fetch, for tauri-driver -> WebKitWebDriver.
// No dependencies. Every failure says what was being done and, for lookups, which selector.
//
//   const app = await Session.start();          // launches the app (E2E_APP) in a new session
//   const b = await Session.start({ driver: DRIVERS.b, env: { ROUNDS_DATA_DIR: dir } });  // a 2nd device
//   await app.type("#email", "someone@example");
//   await app.click("#sign-in");
//   await app.waitFor('[data-testid="patient-row"]');
//   await app.screenshot("after.png");
//   await app.end();

import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const DRIVER_URL = process.env.E2E_WEBDRIVER_URL ?? "http://127.0.0.1:4444";
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? "tests/e2e/artifacts";

/**
 * The drivers scripts/e2e.sh starts: one per "device", each on its own X display (WebKitWebDriver
 * drives one app at a time, and one window per display keeps screenshots and focus simple).
 */
export const DRIVERS = {
  a: { name: "a", url: DRIVER_URL, display: process.env.DISPLAY },
  b: {
    name: "b",
    url: process.env.E2E_WEBDRIVER_URL_B ?? "http://127.0.0.1:4446",
    display: process.env.E2E_DISPLAY_B ?? process.env.DISPLAY,
  },
};

/** The W3C name of the property holding an element reference. */
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** The id inside an element reference, or a clear error when the driver sent something else. */
function elementId(ref, css) {
  const id = ref?.[ELEMENT];
  if (typeof id !== "string") throw new Error(`finding ${css}: unexpected element reference ${JSON.stringify(ref)}`);
  return id;
}

/** W3C key codes for sendKeys. */
export const Keys = {
  NULL: "\uE000", // releases held modifiers (not within one call in WebKitWebDriver; see type())
  BACKSPACE: "\uE003",
  TAB: "\uE004",
  ENTER: "\uE007",
  CONTROL: "\uE009",
  ESCAPE: "\uE00C",
  ARROW_LEFT: "\uE012",
  ARROW_UP: "\uE013",
  ARROW_RIGHT: "\uE014",
  ARROW_DOWN: "\uE015",
  ALT: "\uE00A",
  PAGE_UP: "\uE00E",
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One HTTP call to the driver; returns `value` or throws the driver's error with context. */
async function call(driverUrl, method, path, body, what) {
  let response;
  try {
    response = await fetch(driverUrl + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json; charset=utf-8" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new Error(`${what}: cannot reach the WebDriver at ${driverUrl} (${e.cause?.code ?? e.message})`);
  }
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${what}: WebDriver answered HTTP ${response.status} with non-JSON: ${text.slice(0, 300)}`);
  }
  if (!response.ok || json?.value?.error) {
    const v = json?.value ?? {};
    const error = new Error(`${what}: ${v.error ?? `HTTP ${response.status}`}: ${v.message ?? text.slice(0, 300)}`);
    error.webdriverError = v.error;
    throw error;
  }
  return json.value;
}

/** Whether an error means "the element is gone/not there (yet)": worth retrying while polling. */
const transient = (e) =>
  ["no such element", "stale element reference", "element not interactable"].includes(e.webdriverError);

export class Session {
  constructor(id, driver = DRIVERS.a) {
    this.id = id;
    this.driver = driver;
  }

  /**
   * Starts a session, which launches the app. Only `tauri:options` is sent: WebKitGTK reports
   * itself as MiniBrowser, so a browserName would fail to match.
   *
   * Options (or just the application path, as before):
   *   application  the binary (default E2E_APP)
   *   driver       one of DRIVERS (default DRIVERS.a)
   *   env          variables for this launch only, e.g. { ROUNDS_DATA_DIR, ROUNDS_SERVER_URL }:
   *                the app is started through /usr/bin/env, which execs it (same process)
   */
  static async start(options = {}) {
    const { application = process.env.E2E_APP, driver = DRIVERS.a, env } =
      typeof options === "string" ? { application: options } : options;
    if (!application) throw new Error("E2E_APP is not set (absolute path of the rounds-desktop binary)");
    const assignments = Object.entries(env ?? {}).map(([name, value]) => `${name}=${value}`);
    const tauri = assignments.length > 0
      ? { application: "/usr/bin/env", args: [...assignments, application] }
      : { application };
    const value = await call(
      driver.url,
      "POST",
      "/session",
      { capabilities: { alwaysMatch: { "tauri:options": tauri } } },
      `starting a session (driver ${driver.name}) for ${application}${assignments.length ? ` with ${assignments.join(" ")}` : ""}`,
    );
    return new Session(value.sessionId, driver);
  }

  /** Ends the session (the app quits). Never throws: it runs in cleanup paths. */
  async end() {
    try {
      await call(this.driver.url, "DELETE", `/session/${this.id}`, undefined, `ending the session (driver ${this.driver.name})`);
    } catch (e) {
      console.error(`warning: ${e.message}`);
    }
  }

  #call(method, path, body, what) {
    return call(this.driver.url, method, `/session/${this.id}${path}`, body, what);
  }

  /** The first element matching a CSS selector; throws "no such element" if there is none. */
  async find(css) {
    const value = await this.#call("POST", "/element", { using: "css selector", value: css }, `finding ${css}`);
    return elementId(value, css);
  }

  /** All elements matching a CSS selector (possibly none). */
  async findAll(css) {
    const value = await this.#call("POST", "/elements", { using: "css selector", value: css }, `finding all ${css}`);
    return value.map((ref) => elementId(ref, css));
  }

  // The element methods below take a CSS selector and act on the first match.

  async click(css) {
    const id = await this.find(css);
    await this.#call("POST", `/element/${id}/click`, {}, `clicking ${css}`);
  }

  /** Clicks the first element matching `css` whose visible text is exactly `text` (say a button). */
  async clickText(css, text) {
    const ref = await this.execute(
      "return Array.from(document.querySelectorAll(arguments[0])).find((e) => e.innerText.trim() === arguments[1]) ?? null;",
      [css, text],
    );
    if (!ref) {
      const error = new Error(`finding ${css} with the text ${JSON.stringify(text)}: there is none`);
      error.webdriverError = "no such element";
      throw error;
    }
    const id = elementId(ref, `${css} "${text}"`);
    await this.#call("POST", `/element/${id}/click`, {}, `clicking ${css} "${text}"`);
  }

  /** Sends keystrokes (text and/or Keys.*) to an element, as a user typing into it. */
  async sendKeys(css, text) {
    const id = await this.find(css);
    await this.#call("POST", `/element/${id}/value`, { text }, `typing into ${css}`);
  }

  /**
   * Presses keys wherever the focus is (a chord like Keys.CONTROL + Keys.ENTER is held for the
   * call), as a user at the keyboard would without aiming at an element.
   */
  async press(keys) {
    const ref = await this.#call("GET", "/element/active", undefined, "finding the focused element");
    const id = elementId(ref, "the focused element");
    await this.#call("POST", `/element/${id}/value`, { text: keys }, `pressing ${JSON.stringify(keys)}`);
  }

  /** Replaces a field's content the way a user would: select all, delete, type. */
  async type(css, text) {
    // Two calls: WebKitWebDriver ignores Keys.NULL inside one call, so Control would stay held
    // for the text (Ctrl+X/Z would cut and undo). Modifiers are released at the end of a call.
    await this.sendKeys(css, Keys.CONTROL + "a");
    await this.sendKeys(css, Keys.BACKSPACE + text);
  }

  /** The rendered text of an element. */
  async text(css) {
    const id = await this.find(css);
    return this.#call("GET", `/element/${id}/text`, undefined, `reading the text of ${css}`);
  }

  /** A DOM property (e.g. "value") of an element. */
  async property(css, name) {
    const id = await this.find(css);
    return this.#call("GET", `/element/${id}/property/${name}`, undefined, `reading ${name} of ${css}`);
  }

  /** Runs a script in the page and returns its result. */
  async execute(script, args = []) {
    return this.#call("POST", "/execute/sync", { script, args }, "running a script in the page");
  }

  /** Runs an asynchronous script: it calls its last argument with the result. */
  async executeAsync(script, args = []) {
    return this.#call("POST", "/execute/async", { script, args }, "running an async script in the page");
  }

  /** The innerText of every element matching a selector, read in one go (no stale elements). */
  async texts(css) {
    return this.execute(
      "return Array.from(document.querySelectorAll(arguments[0]), (e) => e.innerText.trim());",
      [css],
    );
  }

  /** Polls until an element matching `css` exists; returns it. */
  async waitFor(css, { timeout = 15_000, interval = 100 } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        return await this.find(css);
      } catch (e) {
        if (!transient(e)) throw e;
        last = e;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeout} ms waiting for ${css} (${last?.message})`);
      }
      await sleep(interval);
    }
  }

  /**
   * Polls until `check()` returns a truthy value and returns it. `describe()` explains what was
   * seen last, for the timeout message.
   */
  async waitUntil(what, check, { timeout = 15_000, interval = 100, describe } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        const result = await check();
        if (result) return result;
        last = undefined;
      } catch (e) {
        if (!transient(e)) throw e;
        last = e;
      }
      if (Date.now() > deadline) {
        const seen = describe ? `; last seen: ${await describe().catch((e) => e.message)}` : "";
        throw new Error(`timed out after ${timeout} ms waiting until ${what}${last ? ` (${last.message})` : ""}${seen}`);
      }
      await sleep(interval);
    }
  }

  /**
   * Saves a PNG of the whole X screen to ARTIFACTS/name. Captured with imagemagick's
   * `import -window root` on the Xvfb display: WebDriver's own screenshot can show the previous
   * frame. So first wait for two animation frames (the page has produced a frame since the last
   * DOM change) and then ~300 ms more for it to reach the X server (more on a loaded machine).
   */
  async screenshot(name) {
    const display = this.driver.display ?? process.env.DISPLAY;
    await this.executeAsync(
      "const done = arguments[arguments.length - 1];" +
        "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
    ).catch(() => {}); // best effort: a screenshot of a broken page is still worth having
    await sleep(300);
    await mkdir(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, name);
    try {
      await run("import", ["-window", "root", file], { timeout: 15_000, env: { ...process.env, DISPLAY: display } });
    } catch (e) {
      throw new Error(`screenshot ${file} failed (DISPLAY=${display}): ${e.stderr || e.message}`);
    }
    return file;
  }
}

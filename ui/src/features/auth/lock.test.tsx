import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { FieldEdit } from "../../bindings/FieldEdit";
import type { PatientChart } from "../../bindings/PatientChart";
import type { Section } from "../../bindings/Section";
import { hasHeldWork, heldContacts, heldSections } from "../../lib/heldWork";
import { fakeCharting } from "../../test/charting";
import { deferred, failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, TODAY, findFixture, searchFixtures, syncStatusOf } from "../../test/fixtures";
import { PASSWORD, lockingCore, type LockOptions } from "../../test/lock";
import { inboxCore, sampleInbox, threadCore } from "../../test/threads";
import { LOCK_SETTLE_MS } from "./LockScreen";

const search: Handler = ({ query, limit }) => searchFixtures(String(query), Number(limit));
const getPatient: Handler = ({ id }) => findFixture(String(id)) ?? failure("not_found", `no patient ${String(id)}`);
const chartOf: Handler = ({ patientId }): PatientChart => ({
  patient: findFixture(String(patientId))!,
  encounters: [],
  encounter_count: 0,
  open_draft: null,
  latest_vitals: [],
});

/** Names of the fixture patients: none may be on screen while locked. */
const PHI = /Lopez|Nguyen|Okafor|Mia|Thomas|Noah|100234|100871/;

function renderApp(handlers: Record<string, Handler> = {}, options: LockOptions = {}) {
  const lock = lockingCore(
    {
      search_patients: search,
      get_patient: getPatient,
      patient_chart: chartOf,
      sync_status: () => syncStatusOf(),
      ...handlers,
    },
    options,
  );
  const core = installCore(lock.handlers);
  render(<App />);
  return { core, lock, user: userEvent.setup() };
}

/** Signed in, with a patient open on the Patients screen. */
async function openPatient(name: string, handlers: Record<string, Handler> = {}) {
  const app = renderApp(handlers);
  const row = (await screen.findAllByTestId("patient-row")).find((r) => r.textContent?.includes(name))!;
  await app.user.click(row);
  await screen.findByTestId("patient-visits");
  expect(screen.getByTestId("patient-banner")).toHaveTextContent(name);
  return app;
}

async function lockScreen() {
  return screen.findByRole("heading", { name: "Rounds is locked" });
}

const password = () => screen.getByLabelText("Password");

/** The lock screen takes input (after an automatic lock, a moment after it shows). */
async function ready() {
  await waitFor(() => expect(password()).not.toHaveAttribute("readonly"), { timeout: LOCK_SETTLE_MS + 1000 });
}
const page = () => document.querySelector("[data-page]")?.getAttribute("data-page");

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("lock: the core locks after the idle limit", () => {
  it("shows the lock screen at the next refused command, no patient on it, and unlocks to the same patient", async () => {
    const { core, lock, user } = await openPatient("Lopez");

    // The idle limit passes in the core; the next command is refused.
    lock.lock();
    await user.keyboard("/");
    await user.keyboard("x");

    await lockScreen();
    expect(screen.getByTestId("lock-who")).toHaveTextContent("Signed in as Ana Ruiz, NP");
    expect(await screen.findByText("Locked after 15 minutes without activity.")).toBeInTheDocument();
    expect(password()).toHaveFocus();
    expect(document.body).not.toHaveTextContent(PHI);
    expect(screen.queryByTestId("patient-banner")).not.toBeInTheDocument();
    expect(screen.queryByRole("combobox", { name: "Search patients" })).not.toBeInTheDocument();
    expect(core.argsOf("lock_status")).toHaveLength(1);

    await ready();
    await user.type(password(), `${PASSWORD}{Enter}`);

    expect(await screen.findByTestId("patient-banner")).toHaveTextContent("Lopez");
    expect(screen.queryByTestId("lock-screen")).not.toBeInTheDocument();
    expect(screen.getByTestId("nav-patients")).toHaveAttribute("aria-current", "page");
    expect(core.argsOf("unlock")).toEqual([{ password: PASSWORD }]);
    // The patient is read again from the core, not kept on screen meanwhile.
    expect(core.argsOf("get_patient").filter((a) => a.id === "pt-mia").length).toBeGreaterThanOrEqual(2);
  });

  it("keeps what was being typed as it locked out of the password field (no try is lost)", async () => {
    const { core, lock, user } = await openPatient("Lopez");
    lock.lock();
    await user.keyboard("/");
    await user.keyboard("lopez{Enter}");

    await lockScreen();
    expect(password()).toHaveValue("");
    expect(screen.getByRole("button", { name: "Unlock" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Sign out" })).toBeDisabled();
    await ready();
    expect(password()).toHaveValue("");
    expect(password()).toHaveFocus();
    expect(core.argsOf("unlock")).toEqual([]);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("locks once however many commands are refused together", async () => {
    const { core, lock, user } = await openPatient("Lopez");
    lock.lock();
    // Opening a patient asks for the patient and their chart at once: both are refused.
    const row = screen.getAllByTestId("patient-row").find((r) => r.textContent?.includes("Nguyen"))!;
    await user.click(row);

    await lockScreen();
    await screen.findByText("Locked after 15 minutes without activity.");
    expect(core.argsOf("get_patient").length + core.argsOf("patient_chart").length).toBeGreaterThanOrEqual(3);
    expect(core.argsOf("lock_status")).toHaveLength(1);
    expect(screen.getAllByTestId("lock-screen")).toHaveLength(1);
  });

  it("reopens the visit being charted at the same page, its draft read again", async () => {
    const fake = fakeCharting();
    const { core, user } = await openPatient("Nguyen", fake.handlers);
    await user.click(screen.getByTestId("new-visit"));
    await waitFor(() => expect(page()).toBe("complaint"));
    await user.click(screen.getByTestId("step-history"));
    await waitFor(() => expect(page()).toBe("history"));
    const encounterId = screen.getByTestId("charting").getAttribute("data-encounter");

    await user.click(screen.getByTestId("step-systems"));
    await waitFor(() => expect(page()).toBe("systems"));
    await user.click(screen.getByRole("button", { name: "Lock" }));
    await lockScreen();
    expect(screen.queryByTestId("charting")).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(PHI);

    await user.type(password(), `${PASSWORD}{Enter}`);

    const charting = await screen.findByTestId("charting");
    expect(charting).toHaveAttribute("data-encounter", encounterId);
    await waitFor(() => expect(page()).toBe("systems"));
    expect(core.argsOf("get_encounter")).toEqual([{ encounterId }]);
    expect(core.argsOf("start_encounter")).toHaveLength(1);
    // Closing the visit comes back to the patient under it.
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("charting")).not.toBeInTheDocument());
    expect(screen.getByTestId("patient-banner")).toHaveTextContent("Nguyen");
  });

  it("reopens the thread that was open, with the reply being written", async () => {
    const fake = threadCore({ thread: sampleInbox()[0]!.thread });
    const { core, user } = renderApp({ inbox: inboxCore(() => sampleInbox()), ...fake.handlers });
    await screen.findAllByTestId("patient-row");
    await user.keyboard("{Escape}gi");
    await waitFor(() => expect(screen.getAllByTestId("inbox-row").length).toBeGreaterThan(0));
    await user.keyboard("{Enter}");
    await screen.findAllByTestId("message");
    await user.type(screen.getByRole("textbox", { name: "Reply" }), "Call us if she gets worse");

    await user.keyboard("{Control>}l{/Control}");
    await lockScreen();
    expect(screen.getByText("Locked.")).toBeInTheDocument();
    expect(screen.queryByTestId("thread-screen")).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(/Call us/);

    await user.type(password(), `${PASSWORD}{Enter}`);

    expect(await screen.findByTestId("thread-screen")).toHaveAttribute("data-thread", "th-urgent");
    expect(screen.getByRole("textbox", { name: "Reply" })).toHaveValue("Call us if she gets worse");
    expect(screen.getByTestId("nav-inbox")).toHaveAttribute("aria-current", "page");
    expect(core.argsOf("open_thread")).toHaveLength(2);
  });
});

describe("lock: where the clinician was", () => {
  it("comes back to the same inbox tab with the same row highlighted", async () => {
    const { core, user } = renderApp({ inbox: inboxCore(() => sampleInbox()) });
    await screen.findAllByTestId("patient-row");
    await user.keyboard("{Escape}gi");
    await user.click(await screen.findByTestId("inbox-tab-unassigned"));
    await waitFor(() => expect(core.argsOf("inbox").at(-1)?.filter).toMatchObject({ queue: "unassigned" }));
    await user.keyboard("jj");
    const selected = () => screen.getAllByRole("option").find((r) => r.getAttribute("aria-selected") === "true");
    expect(selected()).toHaveAttribute("data-thread", "th-answered");

    await user.keyboard("{Control>}l{/Control}");
    await lockScreen();
    expect(screen.queryByTestId("inbox-screen")).not.toBeInTheDocument();
    await user.type(password(), `${PASSWORD}{Enter}`);

    await screen.findByTestId("inbox-screen");
    expect(core.argsOf("inbox").at(-1)?.filter).toMatchObject({ queue: "unassigned" });
    await waitFor(() => expect(selected()).toHaveAttribute("data-thread", "th-answered"));
  });

  it("is not carried over a sign-out: after signing in again, unlocking opens the new session's place", async () => {
    const { user } = renderApp({ inbox: inboxCore(() => sampleInbox()), sign_in: () => SESSION });
    await screen.findAllByTestId("patient-row");
    await user.keyboard("{Escape}gi");
    await screen.findByTestId("inbox-screen");
    await user.keyboard("{Control>}l{/Control}");
    await lockScreen();
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    await screen.findByLabelText("Email");

    await user.type(screen.getByLabelText("Email"), "ana.ruiz@clinic.test");
    await user.type(screen.getByLabelText("Password"), `${PASSWORD}{Enter}`);
    await screen.findAllByTestId("patient-row");
    await user.keyboard("{Control>}l{/Control}");
    await lockScreen();
    await user.type(password(), `${PASSWORD}{Enter}`);

    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
    expect(screen.getByTestId("nav-patients")).toHaveAttribute("aria-current", "page");
  });
});

describe("lock: Ctrl+L", () => {
  it("locks at once from anywhere, even typing in a field, and unlocks to the same place", async () => {
    const { core, user } = await openPatient("Lopez");
    await user.keyboard("/");
    expect(screen.getByRole("combobox", { name: "Search patients" })).toHaveFocus();

    await user.keyboard("{Control>}l{/Control}");

    await lockScreen();
    await waitFor(() => expect(core.argsOf("lock_now")).toEqual([{}]));
    expect(screen.getByTestId("lock-reason")).toHaveTextContent(/^Locked\.$/);
    expect(screen.getByTestId("lock-who")).toHaveTextContent("Signed in as Ana Ruiz, NP");
    expect(document.body).not.toHaveTextContent(PHI);
    expect(password()).toHaveFocus();

    await user.type(password(), `${PASSWORD}{Enter}`);
    expect(await screen.findByTestId("patient-banner")).toHaveTextContent("Lopez");
  });

  it("is offered in the top bar and the patient list's key hints", async () => {
    const { core, user } = renderApp();
    await screen.findAllByTestId("patient-row");
    const button = screen.getByRole("button", { name: "Lock" });
    expect(button).toHaveAttribute("aria-keyshortcuts", "Control+L");
    expect(button).toHaveAttribute("title", expect.stringContaining("Ctrl+L"));
    expect(document.querySelector(".search-pane .key-hints")).toHaveTextContent("Ctrl+L lock");

    await user.click(button);
    await lockScreen();
    await waitFor(() => expect(core.argsOf("lock_now")).toHaveLength(1));
  });

  it("tells the core to lock only once a save sent just before has been answered", async () => {
    const fake = fakeCharting();
    const gate = deferred<void>();
    const { core, lock, user } = await openPatient("Nguyen", {
      ...fake.handlers,
      save_section: (args) => gate.promise.then(() => fake.handlers.save_section!(args)),
    });
    await user.click(screen.getByTestId("new-visit"));
    await waitFor(() => expect(page()).toBe("complaint"));

    await user.click(screen.getByTestId("complaint-sore_throat"));
    expect(core.argsOf("save_section")).toHaveLength(1);
    await user.keyboard("{Control>}l{/Control}");

    await lockScreen();
    expect(screen.queryByTestId("charting")).not.toBeInTheDocument();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(core.argsOf("lock_now")).toEqual([]);
    expect(lock.isLocked()).toBe(false);

    gate.resolve();
    await waitFor(() => expect(core.argsOf("lock_now")).toEqual([{}]));
    expect(lock.isLocked()).toBe(true);
    expect(fake.view().encounter.draft?.complaints.chosen.map((c) => c.code)).toEqual(["sore_throat"]);
  });

  it("does nothing on the sign-in screen", async () => {
    const core = installCore({ session: () => null, lock_now: () => null });
    render(<App />);
    await screen.findByLabelText("Email");
    await userEvent.setup().keyboard("{Control>}l{/Control}");
    expect(core.argsOf("lock_now")).toEqual([]);
    expect(screen.queryByTestId("lock-screen")).not.toBeInTheDocument();
  });
});

describe("lock: starting with a kept session", () => {
  it("opens locked, names the clinician from lock_status, and the password opens the patient list", async () => {
    const { core, user } = renderApp({}, { locked: true });

    await lockScreen();
    expect(await screen.findByTestId("lock-who")).toHaveTextContent("Signed in as Ana Ruiz, NP");
    expect(screen.getByTestId("lock-reason")).toHaveTextContent(
      "Your session was kept on this device. Enter your password to open it.",
    );
    expect(password()).toHaveFocus();
    expect(core.argsOf("search_patients")).toEqual([]);

    await user.type(password(), `${PASSWORD}{Enter}`);
    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
    expect(screen.getByText("Ana Ruiz, NP")).toBeInTheDocument();
  });
});

describe("lock screen", () => {
  it("says a wrong password inline with the tries left, clears the field and keeps the keyboard there", async () => {
    const { core, user } = renderApp({}, { locked: true });
    await lockScreen();

    await user.type(password(), "wrong{Enter}");

    expect(await screen.findByRole("alert")).toHaveTextContent(/^Incorrect password\. 4 tries left\.$/);
    expect(password()).toHaveValue("");
    expect(password()).toHaveFocus();
    expect(password()).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("button", { name: "Unlock" })).toBeEnabled();

    await user.type(password(), `${PASSWORD}{Enter}`);
    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
    expect(core.argsOf("unlock")).toEqual([{ password: "wrong" }, { password: PASSWORD }]);
  });

  it("asks for the password without asking the core when the field is empty", async () => {
    const { core, user } = renderApp({}, { locked: true });
    await lockScreen();
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Enter your password to unlock.");
    expect(password()).toHaveFocus();
    expect(core.argsOf("unlock")).toEqual([]);
  });

  it("shows that it is unlocking while the core checks the password", async () => {
    const pending = deferred<void>();
    const { user } = renderApp({}, { locked: true, unlockAfter: pending.promise });
    await lockScreen();

    await user.type(password(), `${PASSWORD}{Enter}`);

    expect(screen.getByRole("button", { name: "Unlocking…" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Sign out" })).toBeDisabled();
    expect(password()).toHaveAttribute("readonly");
    pending.resolve();
    expect(await screen.findAllByTestId("patient-row")).toHaveLength(3);
  });

  it("goes to sign-in with the core's reason after too many wrong passwords", async () => {
    const { user } = renderApp({}, { locked: true, tries: 2 });
    await lockScreen();
    await user.type(password(), "wrong{Enter}");
    await screen.findByRole("alert");
    await user.type(password(), "wrong again{Enter}");

    expect(await screen.findByLabelText("Email")).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Too many incorrect passwords. You have been signed out.");
    expect(screen.queryByTestId("lock-screen")).not.toBeInTheDocument();
  });

  it("signs out from the lock screen, saying unsynced changes stay on the device", async () => {
    const { core, user } = renderApp({}, { locked: true });
    await lockScreen();

    await user.click(screen.getByRole("button", { name: "Sign out" }));

    expect(await screen.findByLabelText("Email")).toBeInTheDocument();
    expect(core.argsOf("sign_out")).toEqual([{}]);
    expect(screen.getByRole("status")).toHaveTextContent(
      "Signed out. Changes not yet synced stay on this device for your next sign-in.",
    );
  });

  it("stays locked and says why when signing out fails", async () => {
    const refuse = () => failure("internal", "the keychain did not answer");
    const { user } = renderApp({ sign_out: refuse }, { locked: true });
    await lockScreen();

    await user.click(screen.getByRole("button", { name: "Sign out" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Could not sign out: the keychain did not answer");
    expect(screen.getByTestId("lock-screen")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sign out" })).toBeEnabled();
  });

  it("has nothing about any patient, only the clinician's name", async () => {
    renderApp({}, { locked: true });
    await lockScreen();
    await screen.findByTestId("lock-who");
    const main = screen.getByRole("main");
    expect(within(main).getAllByRole("button").map((b) => b.textContent)).toEqual(["Unlock", "Sign out"]);
    expect(document.body).not.toHaveTextContent(PHI);
  });
});

describe("lock: nothing typed is lost", () => {
  const TYPED = "Sore since Monday. Worse at night, no fever.";
  const historySaves = (core: ReturnType<typeof installCore>) =>
    core
      .argsOf("save_section")
      .map((a) => a.section as Section)
      .filter((s): s is Extract<Section, { section: "history" }> => s.section === "history");

  /** Charting a new visit's history; the core locks and the next keystrokes' save is refused. */
  async function typeAsItLocks() {
    const fake = fakeCharting();
    const app = await openPatient("Nguyen", { ...fake.handlers, sign_in: () => SESSION });
    await app.user.click(screen.getByTestId("new-visit"));
    await waitFor(() => expect(page()).toBe("complaint"));
    await app.user.click(screen.getByTestId("step-history"));
    await waitFor(() => expect(page()).toBe("history"));
    const encounterId = screen.getByTestId("charting").getAttribute("data-encounter")!;
    await app.user.type(screen.getByLabelText(/Narrative/), "Sore since Monday.");
    await waitFor(() => expect(fake.view().encounter.draft?.history.narrative).toBe("Sore since Monday."));

    // The idle limit passed a moment ago; the UI has not noticed yet.
    app.lock.lock();
    await app.user.paste(" Worse at night, no fever.");

    await lockScreen();
    expect(historySaves(app.core).at(-1)?.narrative).toBe(TYPED);
    expect(fake.view().encounter.draft?.history.narrative).toBe("Sore since Monday.");
    expect(screen.queryByTestId("charting")).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(/Worse at night/);
    expect(heldSections(encounterId).map((s) => s.section)).toEqual(["history"]);
    return { ...app, fake, encounterId };
  }

  it("keeps a visit's typing refused as locked and saves it when the visit opens again", async () => {
    const { core, fake, user, encounterId } = await typeAsItLocks();
    const saves = historySaves(core).length;

    await ready();
    await user.type(password(), `${PASSWORD}{Enter}`);

    const charting = await screen.findByTestId("charting");
    expect(charting).toHaveAttribute("data-encounter", encounterId);
    await waitFor(() => expect(page()).toBe("history"));
    // What was typed shows at once, over the draft read again from the core…
    expect(screen.getByLabelText(/Narrative/)).toHaveValue(TYPED);
    // …and goes to the core through the normal save.
    await waitFor(() => expect(fake.view().encounter.draft?.history.narrative).toBe(TYPED));
    expect(historySaves(core).length).toBe(saves + 1);
    expect(core.argsOf("save_section").at(-1)).toMatchObject({ encounterId, section: { section: "history", narrative: TYPED } });
    await waitFor(() => expect(screen.getByTestId("save-status")).toHaveTextContent("Saved"));
    expect(hasHeldWork()).toBe(false);
    expect(core.argsOf("start_encounter")).toHaveLength(1);
  });

  it("forgets held work when the clinician signs out from the lock screen", async () => {
    const { core, user } = await typeAsItLocks();
    const saves = core.argsOf("save_section").length;

    await ready();
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    await screen.findByLabelText("Email");
    expect(hasHeldWork()).toBe(false);

    // The next sign-in (whoever it is) starts from the patient list; nothing held is sent.
    await user.type(screen.getByLabelText("Email"), "ana.ruiz@clinic.test");
    await user.type(screen.getByLabelText("Password"), `${PASSWORD}{Enter}`);
    await screen.findAllByTestId("patient-row");
    expect(screen.queryByTestId("charting")).not.toBeInTheDocument();
    expect(core.argsOf("save_section")).toHaveLength(saves);
    expect(document.body).not.toHaveTextContent(/Worse at night/);
  });

  it("forgets held work when the session ends at the lock screen", async () => {
    const { user } = await typeAsItLocks();
    await ready();
    // Five wrong passwords end the session.
    for (let i = 0; i < 5; i++) {
      await user.type(password(), `wrong{Enter}`);
      if (i < 4) await screen.findByText(new RegExp(`${4 - i} tries left`));
    }
    await screen.findByLabelText("Email");
    expect(hasHeldWork()).toBe(false);
  });

  it("keeps the contact form's edits refused as locked, with the form open again after unlocking", async () => {
    const editPatient: Handler = ({ id, edits }) => ({
      ...findFixture(String(id))!,
      ...Object.fromEntries((edits as FieldEdit[]).map((e) => [e.field, e.value])),
    });
    const { core, lock, user } = await openPatient("Lopez", { edit_patient: editPatient });
    const field = (id: string) => document.getElementById(id) as HTMLInputElement;
    await user.click(screen.getByRole("button", { name: "Edit" }));
    await user.clear(field("edit-phone"));
    await user.type(field("edit-phone"), "+14155550188");

    lock.lock();
    await user.click(screen.getByRole("button", { name: "Save" }));

    await lockScreen();
    expect(core.argsOf("edit_patient")).toHaveLength(1);
    expect(screen.queryByRole("form", { name: "Edit contact details" })).not.toBeInTheDocument();
    expect(heldContacts()["pt-mia"]?.phone).toBe("+14155550188");

    await ready();
    await user.type(password(), `${PASSWORD}{Enter}`);

    await screen.findByRole("form", { name: "Edit contact details" });
    expect(screen.getByTestId("patient-banner")).toHaveTextContent("Lopez");
    expect(field("edit-phone")).toHaveValue("+14155550188");
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(screen.queryByRole("form", { name: "Edit contact details" })).not.toBeInTheDocument());
    expect(core.argsOf("edit_patient").at(-1)).toEqual({ id: "pt-mia", edits: [{ field: "phone", value: "+14155550188" }] });
    expect(hasHeldWork()).toBe(false);
  });

  it("keeps contact edits not yet saved across Ctrl+L", async () => {
    const { user } = await openPatient("Lopez");
    const field = (id: string) => document.getElementById(id) as HTMLInputElement;
    await user.click(screen.getByRole("button", { name: "Edit" }));
    await user.type(field("edit-email"), "rosa.lopez@example.test");

    await user.keyboard("{Control>}l{/Control}");
    await lockScreen();
    await user.type(password(), `${PASSWORD}{Enter}`);

    await screen.findByRole("form", { name: "Edit contact details" });
    expect(field("edit-email")).toHaveValue("rosa.lopez@example.test");
    // Cancel lets it go.
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(hasHeldWork()).toBe(false);
  });

  it("keeps a reply whose sending was refused as locked", async () => {
    const fake = threadCore({ thread: sampleInbox()[0]!.thread });
    const { core, lock, user } = renderApp({ inbox: inboxCore(() => sampleInbox()), ...fake.handlers });
    await screen.findAllByTestId("patient-row");
    await user.keyboard("{Escape}gi");
    await waitFor(() => expect(screen.getAllByTestId("inbox-row").length).toBeGreaterThan(0));
    await user.keyboard("{Enter}");
    await screen.findAllByTestId("message");
    await user.type(screen.getByRole("textbox", { name: "Reply" }), "Call us if she gets worse");

    lock.lock();
    await user.keyboard("{Control>}{Enter}{/Control}");
    await lockScreen();
    expect(core.argsOf("post_message")).toEqual([{ threadId: "th-urgent", body: "Call us if she gets worse" }]);

    await ready();
    await user.type(password(), `${PASSWORD}{Enter}`);
    await screen.findByTestId("thread-screen");
    expect(screen.getByRole("textbox", { name: "Reply" })).toHaveValue("Call us if she gets worse");
  });
});

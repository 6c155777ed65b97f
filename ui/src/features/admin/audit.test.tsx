import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { AuditEntry } from "../../bindings/AuditEntry";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, TODAY, searchFixtures, syncStatusOf, todayAt } from "../../test/fixtures";
import { JO, LEE, directoryEntries } from "../../test/operations";
import { auditActionLabel, isUuid, shortId, subjectOptions } from "./audit";

const ADMIN_SESSION: SessionInfo = { ...SESSION, practitioner: JO };

/** A patient nobody has cached: administrators paste such ids. */
const PATIENT_ID = "0190f5c2-7d1e-7a3b-9c4d-5e6f708192a3";
const DEVICE_ID = "0190f5c2-aaaa-7bbb-8ccc-ddddeeeeffff";

function row(seq: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    seq,
    at: todayAt(8, seq),
    practitioner_id: LEE.id,
    device_id: null,
    patient_id: null,
    action: "auth.sign_in",
    detail: "",
    severity: "normal",
    hash: `hash-${seq}`,
    ...overrides,
  };
}

/** Lee's trail, oldest first, as the server sends it. */
const LEE_TRAIL: AuditEntry[] = [
  row(3, { action: "auth.sign_in" }),
  row(8, { action: "patient.read", patient_id: PATIENT_ID }),
  row(12, {
    action: "device.chart_read",
    patient_id: PATIENT_ID,
    device_id: DEVICE_ID,
    detail: "read on the device at 2026-04-20T08:11:00Z (device clock); command 4 applied",
  }),
  row(15, { action: "auth.refresh_reused", severity: "high", detail: "refresh token presented twice" }),
  row(21, {
    action: "sync.edit_patient",
    severity: "high",
    patient_id: PATIENT_ID,
    device_id: DEVICE_ID,
    detail: "command 9 rejected:forbidden",
  }),
  row(30, { action: "sync.brand_new_thing", practitioner_id: "pr-gone", detail: "from a newer server" }),
];

async function openAudit(handlers: Record<string, Handler>, session: SessionInfo = ADMIN_SESSION) {
  const core = installCore({
    session: () => session,
    search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
    sync_status: () => syncStatusOf(),
    directory: () => directoryEntries(),
    ...handlers,
  });
  render(<App />);
  await screen.findAllByTestId("patient-row");
  const user = userEvent.setup();
  await user.keyboard("{Escape}ga");
  await screen.findByTestId("audit-screen");
  return { core, user };
}

/** "/" then the words, then Enter on the first match. */
async function chooseSubject(user: ReturnType<typeof userEvent.setup>, words: string) {
  await user.keyboard("/");
  const picker = screen.getByRole("combobox", { name: "Whose trail: a user or a patient" });
  expect(picker).toHaveFocus();
  await user.type(picker, words);
  await waitFor(() => expect(screen.getByTestId("audit-subject-list")).toBeInTheDocument());
  await user.keyboard("{Enter}");
}

const auditRows = () => screen.getAllByTestId("audit-row");
const seqs = () => auditRows().map((r) => r.getAttribute("data-seq"));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("audit: who sees it", () => {
  it("is in the top bar (g a) for an administrator", async () => {
    await openAudit({});
    const tabs = screen.getAllByRole("button").filter((b) => b.classList.contains("nav-tab"));
    expect(tabs.map((t) => t.textContent)).toEqual(["Patients", "Inbox", "Queues", "Directory", "Coverage", "Audit"]);
    expect(screen.getByTestId("nav-audit")).toHaveAttribute("aria-current", "page");
    expect(screen.getByTestId("nav-audit")).toHaveAttribute("title", "Audit (g then a)");
    expect(screen.getByRole("heading", { name: "Audit trail" })).toHaveFocus();
    // Nothing is asked of the server until a subject is chosen.
    expect(screen.getByText(/Whose trail\? Choose a user or a patient/)).toBeInTheDocument();
  });

  it("is absent for a clinician, and g a does nothing", async () => {
    const core = installCore({
      session: () => SESSION,
      search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
      sync_status: () => syncStatusOf(),
    });
    render(<App />);
    await screen.findAllByTestId("patient-row");
    expect(screen.queryByTestId("nav-audit")).not.toBeInTheDocument();
    await userEvent.setup().keyboard("{Escape}ga");
    expect(screen.queryByTestId("audit-screen")).not.toBeInTheDocument();
    expect(screen.getByTestId("nav-patients")).toHaveAttribute("aria-current", "page");
    expect(core.argsOf("audit_trail")).toEqual([]);
  });
});

describe("audit: a user's trail", () => {
  it("asks for the chosen user's trail and lists it oldest first, in plain words, high severity marked", async () => {
    const { core, user } = await openAudit({ audit_trail: () => LEE_TRAIL });
    await chooseSubject(user, "lee");

    await waitFor(() => expect(auditRows()).toHaveLength(6));
    expect(core.argsOf("audit_trail")).toEqual([{ patientId: null, practitionerId: LEE.id }]);
    expect(seqs()).toEqual(["3", "8", "12", "15", "21", "30"]);
    expect(screen.getByTestId("audit-subject")).toHaveTextContent("User Lee Park, NP · 6 rows, 2 high severity");
    // Back on the heading: the single keys work.
    expect(screen.getByRole("heading", { name: "Audit trail" })).toHaveFocus();
    expect(screen.queryByTestId("audit-subject-list")).not.toBeInTheDocument();

    const [signIn, read, chartRead, reused, refused, unknown] = auditRows() as [
      HTMLElement,
      HTMLElement,
      HTMLElement,
      HTMLElement,
      HTMLElement,
      HTMLElement,
    ];
    const cells = (r: HTMLElement) => within(r).getAllByRole("cell").map((c) => c.textContent);
    expect(cells(signIn)).toEqual(["3", "04/20/2026 08:03:00", "Lee Park, NP", "Signed in", "—", "—", ""]);
    expect(cells(chartRead)).toEqual([
      "12",
      "04/20/2026 08:12:00",
      "Lee Park, NP",
      "Read a chart on the device",
      "0190f5c2…",
      "0190f5c2…",
      "read on the device at 2026-04-20T08:11:00Z (device clock); command 4 applied",
    ]);
    expect(within(read).getByText("Opened a patient's record").closest("td")).toHaveAttribute("title", "patient.read");
    expect(within(chartRead).getAllByTitle(PATIENT_ID)[0]).toHaveTextContent("0190f5c2…");
    expect(within(chartRead).getByTitle(DEVICE_ID)).toBeInTheDocument();

    // High severity: marked by attribute, class and a visible word, not colour alone.
    expect(auditRows().map((r) => r.getAttribute("data-severity"))).toEqual([
      "normal",
      "normal",
      "normal",
      "high",
      "high",
      "normal",
    ]);
    expect(reused).toHaveClass("audit-high");
    expect(within(reused).getByText("High")).toBeInTheDocument();
    expect(reused).toHaveTextContent("Old sign-in token reused (possible theft)");
    expect(refused).toHaveTextContent("Edited patient details");
    expect(signIn).not.toHaveClass("audit-high");
    expect(within(signIn).queryByText("High")).not.toBeInTheDocument();

    // An action this version does not know is shown as recorded; a practitioner not in the directory by id.
    expect(within(unknown).getAllByRole("cell")[3]).toHaveTextContent("sync.brand_new_thing");
    expect(within(unknown).getAllByRole("cell")[2]).toHaveTextContent("pr-gone");
  });

  it("h and the checkbox show only high-severity rows", async () => {
    const { user } = await openAudit({ audit_trail: () => LEE_TRAIL });
    await chooseSubject(user, "lee");
    await waitFor(() => expect(auditRows()).toHaveLength(6));

    const box = screen.getByRole("checkbox", { name: "High severity only (2)" });
    await user.keyboard("h");
    expect(box).toBeChecked();
    expect(seqs()).toEqual(["15", "21"]);
    expect(auditRows().every((r) => r.getAttribute("data-severity") === "high")).toBe(true);

    await user.click(box);
    expect(seqs()).toHaveLength(6);
  });

  it("says so calmly when nothing matches", async () => {
    const { user } = await openAudit({ audit_trail: () => [row(1)] });
    await chooseSubject(user, "lee");
    await waitFor(() => expect(auditRows()).toHaveLength(1));
    await user.keyboard("h");
    expect(screen.getByTestId("audit-empty")).toHaveTextContent("No high-severity rows for Lee Park, NP.");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});

describe("audit: a patient's trail", () => {
  it("takes a pasted patient id that nobody on this device names", async () => {
    const { core, user } = await openAudit({ audit_trail: () => LEE_TRAIL.slice(1, 3) });
    await user.keyboard("/");
    await user.paste(PATIENT_ID);
    const list = await screen.findByTestId("audit-subject-list");
    await waitFor(() =>
      expect(within(list).getAllByRole("option")[0]).toHaveTextContent(`The patient with id ${PATIENT_ID}`),
    );
    await user.keyboard("{Enter}");

    await waitFor(() => expect(auditRows()).toHaveLength(2));
    expect(core.argsOf("audit_trail")).toEqual([{ patientId: PATIENT_ID, practitionerId: null }]);
    expect(screen.getByTestId("audit-subject")).toHaveTextContent(`Patient ${PATIENT_ID} · 2 rows`);
  });

  it("offers the patients on this device, and a click chooses", async () => {
    const { core, user } = await openAudit({ audit_trail: () => [] });
    await user.keyboard("/");
    await user.keyboard("lopez");
    const option = await screen.findByRole("option", { name: /Lopez, Mia/ });
    await user.click(option);

    await waitFor(() => expect(core.argsOf("audit_trail")).toEqual([{ patientId: "pt-mia", practitionerId: null }]));
    expect(await screen.findByTestId("audit-empty")).toHaveTextContent("Nothing has been recorded for Lopez, Mia yet.");
  });
});

describe("audit: verify and export", () => {
  it("verify says that every row verifies, or names the first row that does not", async () => {
    let firstBroken: number | null = null;
    const { core, user } = await openAudit({
      audit_trail: () => LEE_TRAIL,
      verify_audit: () => ({ rows: 1204, first_broken: firstBroken }),
    });

    await user.keyboard("v");
    expect(await screen.findByTestId("audit-verify")).toHaveTextContent("All 1,204 rows verify.");
    expect(screen.getByTestId("audit-verify")).toHaveAttribute("role", "status");
    expect(core.argsOf("verify_audit")).toEqual([{}]);

    firstBroken = 12;
    await chooseSubject(user, "lee");
    await waitFor(() => expect(auditRows()).toHaveLength(6));
    await user.click(screen.getByRole("button", { name: /Verify chain/ }));
    await waitFor(() =>
      expect(screen.getByTestId("audit-verify")).toHaveTextContent("Row 12 does not verify — the trail was altered."),
    );
    expect(screen.getByTestId("audit-verify")).toHaveAttribute("role", "alert");
    expect(screen.getByTestId("audit-verify")).toHaveClass("is-broken");
    // The row is marked where it shows.
    const broken = auditRows().find((r) => r.getAttribute("data-seq") === "12")!;
    expect(broken).toHaveClass("audit-broken");
    expect(within(broken).getByText("Does not verify")).toBeInTheDocument();
  });

  it("export writes the chosen trail and shows where it was saved", async () => {
    const path = "/home/jo/Downloads/rounds-audit-user-pr-lee-20260420-093000.csv";
    const { core, user } = await openAudit({ audit_trail: () => LEE_TRAIL, export_audit: () => path });
    expect(screen.getByRole("button", { name: /Export CSV/ })).toBeDisabled();
    await user.keyboard("x");
    expect(core.argsOf("export_audit")).toEqual([]);

    await chooseSubject(user, "lee");
    await waitFor(() => expect(auditRows()).toHaveLength(6));
    await user.keyboard("x");
    expect(await screen.findByTestId("audit-export")).toHaveTextContent(`Saved to ${path}`);
    expect(core.argsOf("export_audit")).toEqual([{ patientId: null, practitionerId: LEE.id }]);
  });
});

describe("audit: errors", () => {
  it("shows the server's refusal inline with its message, and tries again", async () => {
    let refuse = true;
    const { user } = await openAudit({
      audit_trail: () => (refuse ? failure("forbidden", "the audit trail is for administrators") : LEE_TRAIL),
    });
    await chooseSubject(user, "lee");
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "The trail could not be read: the audit trail is for administrators",
    );
    refuse = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(auditRows()).toHaveLength(6));
  });

  it("says calmly that the trail needs the server, with the message", async () => {
    const { user } = await openAudit({
      audit_trail: () => failure("server_unreachable", "could not reach rounds.clinic.test"),
      verify_audit: () => failure("server_unreachable", "could not reach rounds.clinic.test"),
    });
    await chooseSubject(user, "lee");
    const notice = await screen.findByTestId("audit-offline");
    expect(notice).toHaveTextContent("The audit trail needs the server");
    expect(notice).toHaveTextContent("could not reach rounds.clinic.test");
    expect(screen.queryByTestId("audit-table")).not.toBeInTheDocument();

    await user.keyboard("v");
    expect(await screen.findByTestId("audit-verify")).toHaveTextContent(
      "The chain could not be verified: could not reach rounds.clinic.test",
    );
  });

  it("does not ask the server while Rounds is offline", async () => {
    const { core, user } = await openAudit({ audit_trail: () => LEE_TRAIL }, { ...ADMIN_SESSION, online: false });
    await chooseSubject(user, "lee");
    expect(await screen.findByTestId("audit-offline")).toHaveTextContent("Rounds is offline now.");
    expect(core.argsOf("audit_trail")).toEqual([]);
    expect(screen.getByRole("button", { name: /Verify chain/ })).toBeDisabled();
  });
});

describe("audit helpers", () => {
  it("labels known actions and keeps unknown ones as recorded", () => {
    expect(auditActionLabel("device.thread_read")).toBe("Read a message thread on the device");
    expect(auditActionLabel("audit.export")).toBe("Exported an audit trail");
    expect(auditActionLabel("x.y")).toBe("x.y");
  });

  it("shortens long ids only", () => {
    expect(shortId(PATIENT_ID)).toBe("0190f5c2…");
    expect(shortId("pt-mia")).toBe("pt-mia");
  });

  it("offers a pasted id as a patient and as a user unless someone here has it", () => {
    expect(isUuid(` ${PATIENT_ID} `)).toBe(true);
    expect(isUuid("0190f5c27d1e7a3b9c4d5e6f708192a3")).toBe(true);
    expect(isUuid("pt-mia")).toBe(false);
    expect(subjectOptions(PATIENT_ID, directoryEntries(), []).map((o) => o.kind === "id" && o.as)).toEqual([
      "patient",
      "user",
    ]);
    // Users by name, whatever order the directory has them in.
    const users = subjectOptions("", directoryEntries(), []);
    expect(users.map((o) => (o.kind === "user" ? o.entry.practitioner.display_name : ""))).toEqual(["Ana Ruiz, NP", "Dr. Kemi Obi, MD", "Jo Banks", "Lee Park, NP"]);
  });
});

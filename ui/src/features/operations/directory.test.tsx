import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { DirectoryEntry } from "../../bindings/DirectoryEntry";
import type { PractitionerUpdate } from "../../bindings/PractitionerUpdate";
import type { RoutingRules } from "../../bindings/RoutingRules";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { SESSION, TODAY, searchFixtures, syncStatusOf } from "../../test/fixtures";
import { ANA, JO, KEMI, LEE, directoryEntries } from "../../test/operations";

const ADMIN_SESSION: SessionInfo = { ...SESSION, practitioner: JO };

async function openDirectory(handlers: Record<string, Handler>, session: SessionInfo = SESSION) {
  const core = installCore({
    session: () => session,
    search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
    sync_status: () => syncStatusOf(),
    ...handlers,
  });
  render(<App />);
  await screen.findAllByTestId("patient-row");
  const user = userEvent.setup();
  await user.keyboard("{Escape}gd");
  await screen.findByTestId("directory-screen");
  await screen.findAllByTestId("directory-row");
  return { core, user };
}

/** The row whose practitioner is called `name` (not one they supervise). */
const rowOf = (name: string) =>
  screen.getAllByTestId("directory-row").find((r) => r.querySelector(".directory-name")?.textContent === name)!;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("directory", () => {
  it("lists practitioners with roles, licenses, supervisor and duty, flagging expiring and expired licenses", async () => {
    const { core } = await openDirectory({ directory: () => directoryEntries() });
    expect(core.argsOf("directory")).toEqual([{}]);
    expect(screen.getAllByTestId("directory-row")).toHaveLength(4);

    const lee = rowOf("Lee Park, NP");
    expect(lee).toHaveTextContent("lee.park@clinic.test");
    expect(lee).toHaveTextContent("Nurse practitioner");
    expect(within(lee).getByText(KEMI.display_name)).toBeInTheDocument();
    expect(within(lee).getByText("On duty")).toHaveClass("duty-on");
    const [tx, ca] = within(lee).getAllByRole("listitem") as [HTMLElement, HTMLElement];
    expect(tx).toHaveTextContent("TX APRN · AP-4410 · expires 03/31/2027");
    expect(tx).not.toHaveAttribute("data-flag");
    expect(ca).toHaveTextContent("CA APRN · AP-9921 · expires 05/02/2026");
    expect(ca).toHaveAttribute("data-flag", "expiring");
    expect(within(ca).getByText("Expires in 12 days")).toHaveClass("flag-expiring");

    const kemi = rowOf(KEMI.display_name);
    const flagged = within(kemi)
      .getAllByRole("listitem")
      .filter((li) => li.hasAttribute("data-flag"));
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toHaveTextContent("CA MD · MD-3300 · expires 03/31/2026");
    expect(flagged[0]).toHaveAttribute("data-flag", "expired");
    expect(within(flagged[0]!).getByText("Expired")).toHaveClass("flag-expired");

    expect(within(rowOf("Jo Banks")).getByText("None")).toBeInTheDocument();
    expect(within(rowOf("Jo Banks")).getByText("Care coordinator, Administrator")).toBeInTheDocument();

    // Not an administrator: nothing to edit.
    expect(screen.queryByRole("button", { name: /^Edit / })).not.toBeInTheDocument();
  });

  it("filters by name, role, state or license number; / goes to the filter", async () => {
    const { user } = await openDirectory({ directory: () => directoryEntries() });
    const filter = screen.getByRole("searchbox", { name: "Filter practitioners" });
    expect(filter).not.toHaveFocus();

    await user.keyboard("/");
    expect(filter).toHaveFocus();
    await user.keyboard("tx");
    expect(screen.getAllByTestId("directory-row").map((r) => r.getAttribute("data-practitioner"))).toEqual([
      KEMI.id,
      LEE.id,
    ]);
    await user.clear(filter);
    await user.type(filter, "MD-3300");
    expect(screen.getAllByTestId("directory-row")).toHaveLength(1);
    await user.clear(filter);
    await user.type(filter, "coordinator");
    expect(screen.getAllByTestId("directory-row").map((r) => r.getAttribute("data-practitioner"))).toEqual([JO.id]);
    await user.type(filter, " nobody");
    expect(screen.getByText("Nobody matches the filter.")).toBeInTheDocument();

    await user.keyboard("{Escape}");
    expect(filter).toHaveValue("");
    expect(screen.getAllByTestId("directory-row")).toHaveLength(4);

    await user.click(screen.getByRole("checkbox", { name: "Only licenses needing attention (2)" }));
    expect(screen.getAllByTestId("directory-row").map((r) => r.getAttribute("data-practitioner"))).toEqual([
      KEMI.id,
      LEE.id,
    ]);
  });
});

describe("directory: administrators", () => {
  it("edit a practitioner: name, roles, licenses, supervisor, on duty; Save sends update_practitioner", async () => {
    let entries: DirectoryEntry[] = directoryEntries();
    const { core, user } = await openDirectory(
      {
        directory: () => entries,
        update_practitioner: ({ practitionerId, update }) => {
          const u = update as PractitionerUpdate;
          const saved = { ...LEE, ...u };
          entries = entries.map((e) => (e.practitioner.id === practitionerId ? { ...e, practitioner: saved } : e));
          return saved;
        },
      },
      ADMIN_SESSION,
    );

    await user.click(screen.getByRole("button", { name: "Edit Lee Park, NP" }));
    const form = await screen.findByTestId("practitioner-form");
    expect(form).toHaveAttribute("role", "dialog");
    const name = within(form).getByLabelText("Display name");
    expect(name).toHaveFocus();
    expect(name).toHaveValue("Lee Park, NP");
    expect(within(form).getByRole("checkbox", { name: "Nurse practitioner" })).toBeChecked();
    expect(within(form).getByRole("checkbox", { name: "Physician" })).not.toBeChecked();
    expect(within(form).getAllByTestId("license-edit-row")).toHaveLength(2);
    expect(within(form).getByLabelText("License 2 state")).toHaveValue("CA");
    expect(within(form).getByLabelText("License 2 expires")).toHaveValue("2026-05-02");
    // Supervisors are physicians.
    const supervisor = within(form).getByLabelText("Supervising physician");
    expect(supervisor).toHaveValue(KEMI.id);
    expect(within(supervisor).getAllByRole("option").map((o) => o.textContent)).toEqual(["None", KEMI.display_name]);
    expect(within(form).getByRole("checkbox", { name: "On duty (taking work now)" })).toBeChecked();

    await user.clear(name);
    await user.type(name, "Lee Park, APRN");
    await user.click(within(form).getByRole("checkbox", { name: "Registered nurse" }));
    await user.click(within(form).getByRole("button", { name: "Remove license 1 (TX)" }));
    await user.clear(within(form).getByLabelText("License 1 expires"));
    await user.type(within(form).getByLabelText("License 1 expires"), "2028-05-02");
    await user.click(within(form).getByRole("button", { name: "Add license" }));
    await user.selectOptions(within(form).getByLabelText("License 2 state"), "NV");
    await user.type(within(form).getByLabelText("License 2 type"), "APRN");
    await user.type(within(form).getByLabelText("License 2 number"), " NV-77 ");
    await user.type(within(form).getByLabelText("License 2 expires"), "2027-12-31");
    await user.selectOptions(supervisor, "");
    await user.click(within(form).getByRole("checkbox", { name: "On duty (taking work now)" }));
    await user.click(within(form).getByRole("button", { name: "Save" }));

    const expected: PractitionerUpdate = {
      display_name: "Lee Park, APRN",
      roles: ["nurse_practitioner", "registered_nurse"],
      licenses: [
        { state: "CA", license_type: "APRN", number: "AP-9921", expires_on: "2028-05-02" },
        { state: "NV", license_type: "APRN", number: "NV-77", expires_on: "2027-12-31" },
      ],
      supervisor_id: null,
      on_duty: false,
    };
    expect(core.argsOf("update_practitioner")).toEqual([{ practitionerId: LEE.id, update: expected }]);
    await waitFor(() => expect(screen.queryByTestId("practitioner-form")).not.toBeInTheDocument());
    expect(screen.getByText("Saved Lee Park, APRN.")).toBeInTheDocument();
    expect(within(rowOf("Lee Park, APRN")).getByText("Off duty")).toBeInTheDocument();
    // Read again for the flags the core works out.
    await waitFor(() => expect(core.argsOf("directory").length).toBe(2));
  });

  it("shows the server's refusal and changes nothing", async () => {
    const { core, user } = await openDirectory(
      {
        directory: () => directoryEntries(),
        update_practitioner: () => failure("invalid_input", "two licenses for CA"),
      },
      ADMIN_SESSION,
    );

    await user.click(screen.getByRole("button", { name: "Edit Lee Park, NP" }));
    const form = await screen.findByTestId("practitioner-form");
    await user.selectOptions(within(form).getByLabelText("License 1 state"), "CA");
    await user.clear(within(form).getByLabelText("Display name"));
    await user.type(within(form).getByLabelText("Display name"), "Lee P.{Enter}");

    expect(await within(form).findByRole("alert")).toHaveTextContent("Not saved: two licenses for CA");
    expect(core.argsOf("update_practitioner")).toHaveLength(1);
    // The form keeps what was typed; the directory still shows what the server has.
    expect(within(form).getByLabelText("Display name")).toHaveValue("Lee P.");
    expect(within(form).getByLabelText("License 1 state")).toHaveValue("CA");
    expect(rowOf("Lee Park, NP")).toHaveTextContent("TX APRN · AP-4410");

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("practitioner-form")).not.toBeInTheDocument();
    expect(screen.queryByText("Lee P.")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Edit Lee Park, NP" })).toHaveFocus();
  });

  it("says saving needs the server while offline", async () => {
    const { core, user } = await openDirectory(
      { directory: () => directoryEntries(), update_practitioner: () => ANA },
      { ...ADMIN_SESSION, online: false },
    );
    await user.click(screen.getByRole("button", { name: "Edit Lee Park, NP" }));
    const form = await screen.findByTestId("practitioner-form");
    expect(within(form).getByText("Saving needs the server. Rounds is offline now.")).toBeInTheDocument();
    expect(within(form).getByRole("button", { name: "Save" })).toBeDisabled();
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(core.argsOf("update_practitioner")).toEqual([]);
  });
});

const RULES: RoutingRules = {
  rules: [
    { kind: "refill_request", queue: "nurse_practitioner", due_minutes: 240, escalate_to: "physician" },
    { kind: "scheduling", queue: "care_coordinator", due_minutes: 1440, escalate_to: null },
  ],
};

describe("directory: routing rules", () => {
  it("is for administrators only", async () => {
    const { core } = await openDirectory({ directory: () => directoryEntries(), routing_rules: () => RULES });
    expect(screen.queryByTestId("routing-editor")).not.toBeInTheDocument();
    expect(core.argsOf("routing_rules")).toEqual([]);
  });

  it("lists one row per task kind and saves the changed rules", async () => {
    const { core, user } = await openDirectory(
      { directory: () => directoryEntries(), routing_rules: () => RULES, update_routing_rules: () => null },
      ADMIN_SESSION,
    );
    const editor = screen.getByTestId("routing-editor");
    await waitFor(() => expect(within(editor).getAllByTestId("routing-row")).toHaveLength(2));
    expect(within(editor).getByLabelText("Queue for Refill")).toHaveValue("nurse_practitioner");
    expect(within(editor).getByLabelText("Due in minutes for Refill")).toHaveValue(240);
    expect(within(editor).getByLabelText("When overdue, Refill")).toHaveValue("physician");
    expect(within(editor).getByLabelText("When overdue, Scheduling")).toHaveValue("");
    // Administration is not a queue.
    const queueOptions = within(within(editor).getByLabelText("Queue for Scheduling")).getAllByRole("option");
    expect(queueOptions.map((o) => o.getAttribute("value"))).toEqual([
      "physician",
      "nurse_practitioner",
      "physician_assistant",
      "registered_nurse",
      "care_coordinator",
    ]);
    const save = within(editor).getByRole("button", { name: "Save routing" });
    expect(save).toBeDisabled();

    await user.selectOptions(within(editor).getByLabelText("Queue for Refill"), "physician_assistant");
    const due = within(editor).getByLabelText("Due in minutes for Refill");
    await user.clear(due);
    await user.type(due, "90");
    await user.selectOptions(within(editor).getByLabelText("When overdue, Refill"), "");
    await user.selectOptions(within(editor).getByLabelText("When overdue, Scheduling"), "registered_nurse");
    await user.click(save);

    expect(core.argsOf("update_routing_rules")).toEqual([
      {
        rules: {
          rules: [
            { kind: "refill_request", queue: "physician_assistant", due_minutes: 90, escalate_to: null },
            { kind: "scheduling", queue: "care_coordinator", due_minutes: 1440, escalate_to: "registered_nurse" },
          ],
        },
      },
    ]);
    expect(await within(editor).findByText("Routing saved. New tasks follow it now.")).toBeInTheDocument();
    expect(save).toBeDisabled();
  });

  it("shows the core's refusal inline and keeps the edits", async () => {
    const { core, user } = await openDirectory(
      {
        directory: () => directoryEntries(),
        routing_rules: () => RULES,
        update_routing_rules: () =>
          failure("invalid_input", "refill_request: due_minutes must be at least 5; scheduling: escalates to its own queue"),
      },
      ADMIN_SESSION,
    );
    const editor = screen.getByTestId("routing-editor");
    const due = await within(editor).findByLabelText("Due in minutes for Refill");
    await user.clear(due);
    await user.type(due, "1");
    await user.click(within(editor).getByRole("button", { name: "Save routing" }));

    expect(await within(editor).findByRole("alert")).toHaveTextContent(
      "Not saved: refill_request: due_minutes must be at least 5; scheduling: escalates to its own queue",
    );
    expect(core.argsOf("update_routing_rules")).toHaveLength(1);
    expect(due).toHaveValue(1);
    expect(within(editor).getByRole("button", { name: "Save routing" })).toBeEnabled();

    // A due time that is not a number never reaches the core.
    await user.clear(due);
    await user.click(within(editor).getByRole("button", { name: "Save routing" }));
    expect(within(editor).getByRole("alert")).toHaveTextContent(
      "Not saved: Refill: the due time must be a whole number of minutes.",
    );
    expect(core.argsOf("update_routing_rules")).toHaveLength(1);
  });

  it("does not save offline", async () => {
    const { core, user } = await openDirectory(
      { directory: () => directoryEntries(), routing_rules: () => RULES, update_routing_rules: () => null },
      { ...ADMIN_SESSION, online: false },
    );
    const editor = screen.getByTestId("routing-editor");
    const due = await within(editor).findByLabelText("Due in minutes for Refill");
    await user.clear(due);
    await user.type(due, "60");
    expect(within(editor).getByText("Saving needs the server. Rounds is offline now.")).toBeInTheDocument();
    const save = within(editor).getByRole("button", { name: "Save routing" });
    expect(save).toBeDisabled();
    await user.click(save);
    expect(core.argsOf("update_routing_rules")).toEqual([]);
  });
});

describe("directory: automatic lock", () => {
  const policy = () => ({ idle_lock_minutes: 15 });

  it("is for administrators only", async () => {
    const { core } = await openDirectory({ directory: () => directoryEntries(), security_policy: policy });
    expect(screen.queryByTestId("auto-lock-setting")).not.toBeInTheDocument();
    expect(core.argsOf("security_policy")).toEqual([]);
  });

  it("shows the organisation's idle limit and saves a new one", async () => {
    const { core, user } = await openDirectory(
      {
        directory: () => directoryEntries(),
        routing_rules: () => RULES,
        security_policy: policy,
        update_security_policy: () => null,
      },
      ADMIN_SESSION,
    );
    const setting = screen.getByTestId("auto-lock-setting");
    expect(within(setting).getByRole("heading", { name: "Automatic lock" })).toBeInTheDocument();
    const minutes = await within(setting).findByLabelText("Lock after (minutes)");
    expect(minutes).toHaveValue(15);
    expect(minutes).toHaveAttribute("min", "1");
    expect(minutes).toHaveAttribute("max", "120");
    const save = within(setting).getByRole("button", { name: "Save" });
    expect(save).toBeDisabled();

    await user.clear(minutes);
    await user.type(minutes, "5{Enter}");

    expect(core.argsOf("update_security_policy")).toEqual([{ policy: { idle_lock_minutes: 5 } }]);
    expect(await within(setting).findByRole("status")).toHaveTextContent(
      "Saved. Rounds locks after 5 minutes without activity; other devices follow once they sync.",
    );
    expect(minutes).toHaveValue(5);
    expect(save).toBeDisabled();
    expect(within(setting).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("checks the range before asking, and shows the core's refusal inline", async () => {
    const { core, user } = await openDirectory(
      {
        directory: () => directoryEntries(),
        routing_rules: () => RULES,
        security_policy: policy,
        update_security_policy: () => failure("invalid_input", "idle_lock_minutes must be between 1 and 120"),
      },
      ADMIN_SESSION,
    );
    const setting = screen.getByTestId("auto-lock-setting");
    const minutes = await within(setting).findByLabelText("Lock after (minutes)");
    const save = within(setting).getByRole("button", { name: "Save" });

    for (const typed of ["0", "121", "2.5"]) {
      await user.clear(minutes);
      await user.type(minutes, typed);
      await user.click(save);
      expect(within(setting).getByRole("alert")).toHaveTextContent(
        "Not saved: enter a whole number of minutes from 1 to 120.",
      );
      expect(minutes).toHaveAttribute("aria-invalid", "true");
    }
    expect(core.argsOf("update_security_policy")).toEqual([]);

    await user.clear(minutes);
    await user.type(minutes, "30");
    expect(within(setting).queryByRole("alert")).not.toBeInTheDocument();
    await user.click(save);
    expect(await within(setting).findByRole("alert")).toHaveTextContent(
      "Not saved: idle_lock_minutes must be between 1 and 120",
    );
    expect(core.argsOf("update_security_policy")).toEqual([{ policy: { idle_lock_minutes: 30 } }]);
    expect(minutes).toHaveValue(30);
    expect(save).toBeEnabled();
  });

  it("does not save offline, and says why", async () => {
    const { core, user } = await openDirectory(
      {
        directory: () => directoryEntries(),
        routing_rules: () => RULES,
        security_policy: policy,
        update_security_policy: () => null,
      },
      { ...ADMIN_SESSION, online: false },
    );
    const setting = screen.getByTestId("auto-lock-setting");
    const minutes = await within(setting).findByLabelText("Lock after (minutes)");
    await user.clear(minutes);
    await user.type(minutes, "10");
    expect(within(setting).getByText("Saving needs the server. Rounds is offline now.")).toBeInTheDocument();
    expect(within(setting).getByRole("button", { name: "Save" })).toBeDisabled();
    expect(core.argsOf("update_security_policy")).toEqual([]);
  });
});

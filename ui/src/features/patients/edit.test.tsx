import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { FieldEdit } from "../../bindings/FieldEdit";
import type { Patient } from "../../bindings/Patient";
import { failure, installCore, type Handler } from "../../test/fakeCore";
import { MIA, SESSION, TODAY, findFixture, searchFixtures, syncStatusOf } from "../../test/fixtures";

const search: Handler = ({ query, limit }) => searchFixtures(String(query), Number(limit));
const getPatient: Handler = ({ id }) => findFixture(String(id)) ?? failure("not_found", `no patient ${String(id)}`);

/** Applies edits the way the core does for valid values. */
function applied(patient: Patient, edits: FieldEdit[]): Patient {
  const next: Record<string, unknown> = { ...patient };
  for (const e of edits) next[e.field] = e.value;
  return next as Patient;
}

function renderChart(editPatient: Handler) {
  const core = installCore({
    session: () => SESSION,
    search_patients: search,
    get_patient: getPatient,
    sync_status: () => syncStatusOf(),
    edit_patient: editPatient,
  });
  render(<App />);
  return core;
}

async function openMia() {
  const user = userEvent.setup();
  await user.click((await screen.findAllByTestId("patient-row"))[0]!);
  await waitFor(() => expect(screen.getByTestId("banner-name")).toHaveTextContent("Lopez, Mia"));
  return user;
}

const field = (id: string) => document.getElementById(id) as HTMLInputElement;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("editing contact details on the banner", () => {
  it("sends only the changed fields and shows the patient the core returns", async () => {
    const core = renderChart(({ id, edits }) => applied(findFixture(String(id))!, edits as FieldEdit[]));
    const user = await openMia();

    await user.click(screen.getByRole("button", { name: "Edit" }));
    expect(field("edit-phone")).toHaveValue("+14155550123");
    expect(field("edit-phone")).toHaveFocus();
    expect(field("edit-email")).toHaveValue("");
    expect(field("edit-state")).toHaveValue("CA");
    const channel = screen.getByRole("radiogroup", { name: "Preferred channel" });
    expect(within(channel).getByRole("radio", { name: "SMS" })).toHaveAttribute("aria-checked", "true");

    await user.type(field("edit-email"), "rosa.lopez@example.test");
    await user.click(within(channel).getByRole("radio", { name: "Email" }));
    const statusCalls = core.argsOf("sync_status").length;
    await user.click(document.getElementById("save-patient")!);

    const contact = await screen.findByTestId("banner-contact");
    expect(core.argsOf("edit_patient")).toEqual([
      {
        id: "pt-mia",
        edits: [
          { field: "email", value: "rosa.lopez@example.test" },
          { field: "preferred_channel", value: "email" },
        ],
      },
    ]);
    expect(contact).toHaveTextContent("rosa.lopez@example.test");
    expect(contact).toHaveTextContent("Prefers email");
    expect(screen.queryByRole("form", { name: "Edit contact details" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Edit" })).toHaveFocus();
    // The indicator asks again at once, without waiting for the next poll.
    await waitFor(() => expect(core.argsOf("sync_status").length).toBeGreaterThan(statusCalls));
  });

  it("shows invalid_input inline and keeps everything typed", async () => {
    let attempts = 0;
    const core = renderChart(({ id, edits }) =>
      ++attempts === 1
        ? failure("invalid_input", "invalid value: unknown state ZZ")
        : applied(findFixture(String(id))!, edits as FieldEdit[]),
    );
    const user = await openMia();

    await user.click(screen.getByRole("button", { name: "Edit" }));
    await user.clear(field("edit-state"));
    await user.type(field("edit-state"), "zz");
    expect(field("edit-state")).toHaveValue("ZZ");
    await user.clear(field("edit-phone"));
    await user.type(field("edit-phone"), "+14155550188{Enter}");

    expect(await screen.findByRole("alert")).toHaveTextContent("Not saved: invalid value: unknown state ZZ");
    expect(core.argsOf("edit_patient")).toEqual([
      {
        id: "pt-mia",
        edits: [
          { field: "phone", value: "+14155550188" },
          { field: "current_state", value: "ZZ" },
        ],
      },
    ]);
    expect(screen.getByRole("form", { name: "Edit contact details" })).toBeInTheDocument();
    expect(field("edit-state")).toHaveValue("ZZ");
    expect(field("edit-phone")).toHaveValue("+14155550188");

    await user.clear(field("edit-state"));
    await user.type(field("edit-state"), "or");
    await user.keyboard("{Control>}s{/Control}");

    await waitFor(() => expect(screen.getByTestId("patient-banner")).toHaveTextContent("Located in OR"));
    expect(core.argsOf("edit_patient").at(-1)).toEqual({
      id: "pt-mia",
      edits: [
        { field: "phone", value: "+14155550188" },
        { field: "current_state", value: "OR" },
      ],
    });
    expect(screen.getByTestId("banner-contact")).toHaveTextContent("(415) 555-0188");
  });

  it("opens with e from outside a text field, and Escape cancels without saving", async () => {
    const core = renderChart(() => MIA);
    const user = await openMia();

    // Typing e in the search box is just typing.
    await user.keyboard("e");
    expect(screen.queryByRole("form", { name: "Edit contact details" })).not.toBeInTheDocument();

    screen.getByRole("button", { name: "Sign out" }).focus();
    await user.keyboard("e");
    expect(field("edit-phone")).toHaveFocus();
    await user.type(field("edit-phone"), "9");

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("form", { name: "Edit contact details" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Edit" })).toHaveFocus();
    expect(screen.getByTestId("banner-contact")).toHaveTextContent("(415) 555-0123");
    expect(core.argsOf("edit_patient")).toEqual([]);
  });

  it("keeps unsaved typing when another patient is opened in between", async () => {
    renderChart(() => MIA);
    const user = await openMia();

    await user.click(screen.getByRole("button", { name: "Edit" }));
    await user.type(field("edit-email"), "half-typed@");

    await user.click(screen.getAllByTestId("patient-row")[1]!);
    await waitFor(() => expect(screen.getByTestId("banner-name")).toHaveTextContent("Nguyen, Thomas"));
    expect(screen.queryByRole("form", { name: "Edit contact details" })).not.toBeInTheDocument();

    await user.click(screen.getAllByTestId("patient-row")[0]!);
    await waitFor(() => expect(screen.getByTestId("banner-name")).toHaveTextContent("Lopez, Mia"));
    expect(field("edit-email")).toHaveValue("half-typed@");
  });

  it("closes without a call when nothing changed", async () => {
    const core = renderChart(() => MIA);
    const user = await openMia();

    await user.click(screen.getByRole("button", { name: "Edit" }));
    await user.click(document.getElementById("save-patient")!);

    expect(screen.queryByRole("form", { name: "Edit contact details" })).not.toBeInTheDocument();
    expect(core.argsOf("edit_patient")).toEqual([]);
  });
});

describe("an open chart after a sync", () => {
  it("shows changes that arrived from another device without reopening", async () => {
    vi.useRealTimers();
    let round = 0;
    const changed = { ...MIA, phone: "+14155550999", version: MIA.version + 1 };
    installCore({
      session: () => SESSION,
      search_patients: search,
      get_patient: ({ id }) => (round > 0 && String(id) === MIA.id ? changed : getPatient({ id })),
      sync_status: () => syncStatusOf({ last_synced_at: new Date(Date.UTC(2026, 10, 22, 9, 28 + round)).toISOString() }),
    });
    render(<App />);
    await openMia();
    expect(screen.getByTestId("patient-banner")).toHaveTextContent("(415) 555-0123");

    round = 1; // the next status poll reports a newer sync
    await waitFor(() => expect(screen.getByTestId("patient-banner")).toHaveTextContent("(415) 555-0999"), {
      timeout: 4000,
    });
  });
});

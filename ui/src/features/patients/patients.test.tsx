import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { Patient } from "../../bindings/Patient";
import type { PatientListItem } from "../../bindings/PatientListItem";
import { deferred, failure, installCore, type Deferred, type Handler } from "../../test/fakeCore";
import { MIA, SESSION, THOMAS, TODAY, findFixture, listItem, searchFixtures } from "../../test/fixtures";

const search: Handler = ({ query, limit }) => searchFixtures(String(query), Number(limit));
const getPatient: Handler = ({ id }) => findFixture(String(id)) ?? failure("not_found", `no patient ${String(id)}`);

function renderSignedIn(overrides: Record<string, Handler> = {}) {
  const core = installCore({ session: () => SESSION, search_patients: search, get_patient: getPatient, ...overrides });
  render(<App />);
  return core;
}

const rows = () => screen.findAllByTestId("patient-row");
const searchBox = () => screen.getByRole("combobox", { name: "Search patients" });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(TODAY);
});

describe("patient search", () => {
  it("lists the first 50 on open and searches on every keystroke", async () => {
    const core = renderSignedIn();
    expect(await rows()).toHaveLength(3);
    expect(core.argsOf("search_patients")[0]).toEqual({ query: "", limit: 50 });
    expect(searchBox()).toHaveFocus();
    expect(screen.getByText("Select a patient. Type a name, MRN, date of birth or phone.")).toBeInTheDocument();

    await userEvent.setup().type(searchBox(), "lop");

    expect(core.argsOf("search_patients").slice(-3)).toEqual([
      { query: "l", limit: 50 },
      { query: "lo", limit: 50 },
      { query: "lop", limit: 50 },
    ]);
    await waitFor(() => expect(screen.getAllByTestId("patient-row")).toHaveLength(1));
    const row = screen.getByTestId("patient-row");
    expect(row).toHaveAttribute("role", "option");
    expect(screen.getByRole("listbox")).toContainElement(row);
    expect(within(row).getByText("Lopez, Mia")).toBeInTheDocument();
    expect(within(row).getByText("MRN 100234")).toBeInTheDocument();
    expect(within(row).getByText("04/12/2019 · 7 y")).toBeInTheDocument();
    expect(within(row).getByText("F")).toBeInTheDocument();
    expect(within(row).getByText("CA")).toBeInTheDocument();
  });

  it("never shows an answer that arrives after a newer one", async () => {
    const pending = new Map<string, Deferred<PatientListItem[]>>();
    renderSignedIn({
      search_patients: ({ query }) => {
        if (query === "") return searchFixtures("", 50);
        const d = deferred<PatientListItem[]>();
        pending.set(String(query), d);
        return d.promise;
      },
    });
    await rows();

    await userEvent.setup().type(searchBox(), "ng");
    pending.get("ng")!.resolve([listItem(THOMAS)]);
    await waitFor(() => expect(screen.getAllByTestId("patient-row")).toHaveLength(1));
    expect(screen.getByText("Nguyen, Thomas")).toBeInTheDocument();

    // The older, slower request for "n" finally answers.
    pending.get("n")!.resolve([listItem(MIA), listItem(THOMAS)]);
    await new Promise((r) => setTimeout(r, 20));

    expect(screen.getAllByTestId("patient-row")).toHaveLength(1);
    expect(screen.queryByText("Lopez, Mia")).not.toBeInTheDocument();
  });

  it("says so when nothing matches", async () => {
    renderSignedIn();
    await rows();
    await userEvent.setup().type(searchBox(), "zzz");
    expect(await screen.findByText("No patients match “zzz”.")).toBeInTheDocument();
    expect(screen.queryAllByTestId("patient-row")).toHaveLength(0);
  });

  it("focuses search with / from elsewhere, and / still types inside it", async () => {
    renderSignedIn();
    await rows();
    const user = userEvent.setup();

    screen.getByRole("button", { name: "Sign out" }).focus();
    await user.keyboard("/");
    expect(searchBox()).toHaveFocus();
    expect(searchBox()).toHaveValue("");

    await user.keyboard("04/12");
    expect(searchBox()).toHaveValue("04/12");
  });

  it("clears the search with Escape", async () => {
    const core = renderSignedIn();
    await rows();
    const user = userEvent.setup();
    await user.type(searchBox(), "zzz");
    await screen.findByText("No patients match “zzz”.");

    await user.keyboard("{Escape}");

    expect(searchBox()).toHaveValue("");
    expect(await rows()).toHaveLength(3);
    expect(core.argsOf("search_patients").at(-1)).toEqual({ query: "", limit: 50 });
  });
});

describe("patient banner", () => {
  it("opens the highlighted row with ArrowDown + Enter, allergies first", async () => {
    const core = renderSignedIn();
    await rows();
    const user = userEvent.setup();

    await user.keyboard("{ArrowDown}");
    expect(screen.getAllByTestId("patient-row")[0]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Enter}");

    const banner = await screen.findByTestId("patient-banner");
    expect(core.argsOf("get_patient")).toEqual([{ id: "pt-mia" }]);
    expect(within(banner).getByTestId("banner-name")).toHaveTextContent("Lopez, Mia");
    expect(banner).toHaveTextContent("7 y · Female");
    expect(banner).toHaveTextContent("Located in CA");
    expect(banner).toHaveTextContent("Guardian Rosa Lopez (mother)");

    const allergies = within(banner).getByRole("region", { name: "Allergies" });
    expect(allergies).toHaveTextContent("Penicillin — Hives");
    expect(allergies).toHaveTextContent("Peanut");
    const medications = within(banner).getByRole("region", { name: "Medications" });
    expect(medications).toHaveTextContent("Albuterol HFA");
    expect(medications).toHaveTextContent("90 mcg, 2 puffs every 4 h as needed");
    expect(within(banner).getByRole("region", { name: "Problems" })).toHaveTextContent("Mild persistent asthma");
    expect(within(banner).getByText("J45.30").tagName).toBe("CODE");
    // Allergies come before everything else clinical.
    expect(allergies.compareDocumentPosition(medications) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    // Next row: no allergies on file, no guardian.
    await user.keyboard("{ArrowDown}{Enter}");
    await waitFor(() => expect(screen.getByTestId("banner-name")).toHaveTextContent("Nguyen, Thomas"));
    const next = screen.getByTestId("patient-banner");
    expect(within(next).getByRole("region", { name: "Allergies" })).toHaveTextContent("No known allergies");
    expect(next).not.toHaveTextContent("Guardian");
    expect(next).toHaveTextContent("(503) 555-0142");
    expect(next).toHaveTextContent("Prefers phone call");
  });

  it("opens a row on click, and Enter opens a single match", async () => {
    renderSignedIn();
    const user = userEvent.setup();
    await user.click((await rows())[1]!);
    await waitFor(() => expect(screen.getByTestId("banner-name")).toHaveTextContent("Nguyen, Thomas"));

    await user.type(searchBox(), "100234");
    await waitFor(() => expect(screen.getAllByTestId("patient-row")).toHaveLength(1));
    await user.keyboard("{Enter}");
    await waitFor(() => expect(screen.getByTestId("banner-name")).toHaveTextContent("Lopez, Mia"));
  });

  it("shows ages in months for small children", async () => {
    renderSignedIn();
    await userEvent.setup().click((await rows())[2]!);
    expect(await screen.findByTestId("patient-banner")).toHaveTextContent("18 mo · Male");
  });

  it("explains a patient that is no longer on this device", async () => {
    renderSignedIn({ get_patient: () => failure("not_found", "row missing") });
    await userEvent.setup().click((await rows())[0]!);
    expect(await screen.findByRole("alert")).toHaveTextContent(/^This patient is no longer on this device\.$/);
    expect(screen.queryByTestId("patient-banner")).not.toBeInTheDocument();
  });

  it("never shows a patient that was opened before the current one", async () => {
    const slowMia = deferred<Patient>();
    renderSignedIn({ get_patient: ({ id }) => (id === MIA.id ? slowMia.promise : THOMAS) });
    const user = userEvent.setup();
    const [miaRow, thomasRow] = await rows();

    await user.click(miaRow!);
    expect(screen.getByText("Opening patient…")).toBeInTheDocument();
    await user.click(thomasRow!);
    await waitFor(() => expect(screen.getByTestId("banner-name")).toHaveTextContent("Nguyen, Thomas"));

    slowMia.resolve(MIA);
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByTestId("banner-name")).toHaveTextContent("Nguyen, Thomas");
  });

  it("returns to sign-in when the core says the session is gone", async () => {
    renderSignedIn({ get_patient: () => failure("not_signed_in", "no session") });
    await userEvent.setup().click((await rows())[0]!);
    expect(await screen.findByText("Your session has ended. Sign in again to continue.")).toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toBeInTheDocument();
  });
});

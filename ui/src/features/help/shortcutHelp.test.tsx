import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { KEYMAP } from "../../lib/keymap";
import { installCore } from "../../test/fakeCore";
import { SESSION, searchFixtures } from "../../test/fixtures";

function signedIn() {
  installCore({
    session: () => SESSION,
    search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
  });
  render(<App />);
}

describe("the keyboard shortcut overlay", () => {
  it("opens on ?, lists the screen's keys first and every key of the keymap, and Esc closes it", async () => {
    signedIn();
    const user = userEvent.setup();
    await screen.findAllByTestId("patient-row");
    const lock = screen.getByRole("button", { name: "Lock" });
    lock.focus();

    await user.keyboard("?");
    const dialog = screen.getByRole("dialog", { name: "Keyboard shortcuts" });
    const sections = within(dialog).getAllByRole("heading", { level: 3 });
    expect(sections.map((h) => h.textContent).slice(0, 2)).toEqual(["Patients", "Anywhere"]);
    expect(sections).toHaveLength(Object.keys(KEYMAP).length);
    const queues = within(dialog).getByRole("region", { name: "Queues" });
    expect(queues).toHaveTextContent("hhand off");
    expect(within(dialog).getByRole("region", { name: "Anywhere" })).toHaveTextContent("Ctrl+Llock");

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(lock).toHaveFocus();
  });

  it("is offered in the top bar, and rests while typing in a field", async () => {
    signedIn();
    const user = userEvent.setup();
    const search = await screen.findByRole("combobox", { name: "Search patients" });
    await user.type(search, "?");
    expect(search).toHaveValue("?");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Keyboard shortcuts" }));
    expect(screen.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeInTheDocument();
  });

  it("writes the hints under a screen from the keymap", async () => {
    signedIn();
    await screen.findAllByTestId("patient-row");
    const hints = document.querySelector(".search-pane .key-hints");
    expect(hints).toHaveTextContent("/ search · ↑ ↓ move · Enter open · Esc clear, then leave · g q queues · Ctrl+L lock · ? keyboard shortcuts");
  });
});

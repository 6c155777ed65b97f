import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { isModalOpen } from "../../lib/keyboard";
import { Modal } from "./Modal";

function Screen({ onKey }: { onKey: (key: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <div onKeyDown={(e) => onKey(e.key)}>
      <button type="button" onClick={() => setOpen(true)}>
        Assign…
      </button>
      {open && (
        <Modal titleId="t" title="Assign" testId="the-dialog" onClose={() => setOpen(false)}>
          <input aria-label="Colleague" />
          <button type="button">Assign to Lee</button>
        </Modal>
      )}
    </div>
  );
}

describe("Modal on the native <dialog>", () => {
  it("opens modally (the rest inert), takes the keyboard, closes on Esc and gives focus back to the opener", async () => {
    const showModal = vi.spyOn(HTMLDialogElement.prototype, "showModal");
    const onKey = vi.fn();
    render(<Screen onKey={onKey} />);
    const user = userEvent.setup();
    const opener = screen.getByRole("button", { name: "Assign…" });
    await user.click(opener);

    const dialog = screen.getByRole("dialog", { name: "Assign" });
    expect(dialog.tagName).toBe("DIALOG");
    expect(dialog).toHaveAttribute("aria-modal", "true");
    expect(dialog).toHaveAttribute("open");
    expect(showModal).toHaveBeenCalledTimes(1);
    expect(isModalOpen()).toBe(true);
    // The heading has the keyboard: the screen reader says what opened.
    expect(screen.getByRole("heading", { name: "Assign" })).toHaveFocus();

    await user.tab();
    expect(screen.getByLabelText("Colleague")).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
    expect(isModalOpen()).toBe(false);
    // Nothing behind the dialog heard the Escape.
    expect(onKey).not.toHaveBeenCalledWith("Escape");
  });

  it("closes when the browser cancels it (Esc on the layer itself)", async () => {
    render(<Screen onKey={vi.fn()} />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Assign…" }));
    const dialog = screen.getByRole("dialog", { name: "Assign" });
    dialog.dispatchEvent(new Event("cancel", { cancelable: true }));
    expect(await screen.findByRole("button", { name: "Assign…" })).toHaveFocus();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });
});

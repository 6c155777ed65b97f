import { describe, expect, it } from "vitest";
import { VIEWS } from "../features/shell/views";
import { QUICK_REPLIES } from "../features/threads/labels";
import { actionOf, KEYMAP, keymapMarkdown, matches, type KeySection } from "./keymap";

const START = "<!-- keymap:start -->\n";
const END = "<!-- keymap:end -->";

function key(init: KeyboardEventInit) {
  return new KeyboardEvent("keydown", init);
}

describe("the keymap", () => {
  it("is README.md's shortcut list (ROUNDS_UPDATE_BINDINGS=1 rewrites the list)", async () => {
    // A Node API in a browser-typed project: imported by name, typed here.
    const fs = (await import(/* @vite-ignore */ ["node", "fs"].join(":"))) as {
      readFileSync: (path: string, encoding: "utf8") => string;
      writeFileSync: (path: string, text: string) => void;
    };
    // Vitest runs in ui/.
    const path = "../README.md";
    const readme = fs.readFileSync(path, "utf8");
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, "README.md has the keymap markers").toBeGreaterThan(0);
    const listed = readme.slice(start + START.length, end);
    const generated = `${keymapMarkdown()}\n`;
    if (listed !== generated && import.meta.env.ROUNDS_UPDATE_BINDINGS === "1") {
      fs.writeFileSync(path, readme.slice(0, start + START.length) + generated + readme.slice(end));
      return;
    }
    expect(listed).toBe(generated);
  });

  it("gives each key one meaning on a screen", () => {
    for (const [scope, section] of Object.entries(KEYMAP) as [string, KeySection][]) {
      const keys = Object.values(section.shortcuts).flatMap((s) => s.keys);
      expect(new Set(keys).size, scope).toBe(keys.length);
    }
  });

  it("is where the top bar's g keys and the quick replies' Alt keys come from", () => {
    for (const v of VIEWS) expect(KEYMAP.anywhere.shortcuts[v.view].keys).toEqual([`g ${v.key}`]);
    expect(KEYMAP.thread.shortcuts.quickReply.keys).toEqual([`Alt+1-${QUICK_REPLIES.length}`]);
  });

  it("matches plain keys without Ctrl or Alt, and Ctrl keys with exactly their Shift", () => {
    expect(actionOf("queues", key({ key: "c" }))).toBe("claim");
    expect(actionOf("queues", key({ key: "ArrowDown", shiftKey: true }))).toBe("move");
    expect(actionOf("queues", key({ key: "c", ctrlKey: true }))).toBeNull();
    expect(actionOf("queues", key({ key: "7" }))).toBe("handTo");
    expect(actionOf("inbox", key({ key: "j" }))).toBe("move");

    const { next, cosign, back, page } = KEYMAP.chart.shortcuts;
    expect(matches(next, key({ key: "Enter", ctrlKey: true }))).toBe(true);
    expect(matches(next, key({ key: "Enter", metaKey: true }))).toBe(true);
    expect(matches(next, key({ key: "Enter", ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(matches(cosign, key({ key: "Enter", ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(matches(back, key({ key: "PageUp" }))).toBe(true);
    expect(matches(back, key({ key: "PageUp", altKey: true }))).toBe(false);
    expect(matches(back, key({ key: "ArrowLeft", altKey: true }))).toBe(true);
    // Alt changes the digit's key on some layouts (macOS: Alt+1 is "¡"): its place counts.
    expect(matches(page, key({ key: "¡", code: "Digit1", altKey: true }))).toBe(true);
    expect(matches(page, key({ key: "9", code: "Digit9", altKey: true }))).toBe(false);
  });
});

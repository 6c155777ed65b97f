/**
 * Every keyboard shortcut of Rounds, in one place. The screens match key presses against it
 * (`actionOf`, `matches`), the `?` overlay and the key hints under each screen are drawn from it,
 * and README.md's shortcut list is generated from it (keymap.test.ts fails when they differ), so
 * the four cannot disagree.
 *
 * A key is written as the browser names it (`event.key`): "c", "/", "Enter", "Escape",
 * "ArrowDown", "PageUp". With modifiers: "Ctrl+Enter", "Ctrl+Shift+Enter", "Alt+ArrowLeft" (Ctrl
 * means Ctrl or Cmd; a Ctrl key is without Shift unless it names Shift; Alt keys allow Shift). "1-9"
 * is any digit of the range ("Alt+1-8" likewise). "g i" is two keys one after the other. A key
 * the screen works out itself (the letters of a prompt's answers) is written as it is shown and
 * matched by the screen: "a, b, c…".
 */

import type { Page } from "../bindings/Page";

export interface Shortcut {
  readonly keys: readonly string[];
  /** What it does, short: the overlay and the hints say "c claim". */
  readonly does: string;
}

export interface KeySection {
  readonly title: string;
  readonly shortcuts: Readonly<Record<string, Shortcut>>;
}

export const KEYMAP = {
  anywhere: {
    title: "Anywhere",
    shortcuts: {
      help: { keys: ["?"], does: "keyboard shortcuts" },
      lock: { keys: ["Ctrl+L"], does: "lock" },
      find: { keys: ["/"], does: "search or filter on this screen" },
      patients: { keys: ["g p"], does: "patients" },
      inbox: { keys: ["g i"], does: "inbox" },
      queues: { keys: ["g q"], does: "queues" },
      directory: { keys: ["g d"], does: "directory" },
      coverage: { keys: ["g c"], does: "coverage" },
      audit: { keys: ["g a"], does: "audit trail (administrators)" },
    },
  },
  patients: {
    title: "Patients",
    shortcuts: {
      search: { keys: ["/"], does: "search" },
      move: { keys: ["ArrowUp", "ArrowDown"], does: "move" },
      open: { keys: ["Enter"], does: "open" },
      clear: { keys: ["Escape"], does: "clear, then leave" },
      newVisit: { keys: ["n"], does: "new visit" },
      edit: { keys: ["e"], does: "edit contact details" },
    },
  },
  chart: {
    title: "Charting a visit",
    shortcuts: {
      next: { keys: ["Ctrl+Enter"], does: "next page, or sign on Review & sign, or save the addendum once signed" },
      cosign: { keys: ["Ctrl+Shift+Enter"], does: "co-sign" },
      back: { keys: ["PageUp", "Alt+ArrowLeft"], does: "back" },
      forward: { keys: ["Alt+ArrowRight"], does: "forward" },
      page: { keys: ["Alt+1-8"], does: "page" },
      close: { keys: ["Escape"], does: "leave the field, then close" },
    },
  },
  complaints: {
    title: "Chief complaint page",
    shortcuts: {
      toggle: { keys: ["1-9"], does: "toggle" },
      more: { keys: ["m"], does: "more" },
    },
  },
  history: {
    title: "History page",
    shortcuts: {
      prompt: { keys: ["1-9", "ArrowUp", "ArrowDown"], does: "prompt" },
      answer: { keys: ["a, b, c…"], does: "answer" },
      narrative: { keys: ["t"], does: "narrative" },
    },
  },
  systems: {
    title: "Review of systems & exam page",
    shortcuts: {
      allNormal: { keys: ["n"], does: "all normal" },
      system: { keys: ["1-9", "ArrowUp", "ArrowDown"], does: "system" },
      finding: { keys: ["a, b, c…"], does: "finding" },
      clear: { keys: ["Backspace", "Delete"], does: "clear" },
      narrative: { keys: ["t"], does: "narrative" },
    },
  },
  assessment: {
    title: "Assessment page",
    shortcuts: {
      toggle: { keys: ["1-9"], does: "toggle suggested" },
      search: { keys: ["/"], does: "search ICD-10" },
    },
  },
  plan: {
    title: "Plan page",
    shortcuts: {
      lab: { keys: ["l"], does: "labs" },
      drug: { keys: ["r"], does: "medications" },
    },
  },
  inbox: {
    title: "Inbox",
    shortcuts: {
      move: { keys: ["ArrowUp", "ArrowDown", "k", "j"], does: "move" },
      page: { keys: ["PageUp", "PageDown"], does: "a page" },
      ends: { keys: ["Home", "End"], does: "first, last" },
      open: { keys: ["Enter"], does: "open" },
      tab: { keys: ["ArrowLeft", "ArrowRight"], does: "queue" },
      claim: { keys: ["c"], does: "claim" },
      urgent: { keys: ["u"], does: "urgent only" },
      unread: { keys: ["n"], does: "unread only" },
      filters: { keys: ["/"], does: "filters" },
      refresh: { keys: ["r"], does: "refresh" },
    },
  },
  thread: {
    title: "Message thread",
    shortcuts: {
      back: { keys: ["Escape"], does: "inbox" },
      claim: { keys: ["c"], does: "claim" },
      assign: { keys: ["a"], does: "assign" },
      escalate: { keys: ["e"], does: "escalate" },
      requestReview: { keys: ["q"], does: "request review" },
      reviewed: { keys: ["r"], does: "mark reviewed" },
      close: { keys: ["x"], does: "close" },
      reopen: { keys: ["o"], does: "reopen" },
      evisit: { keys: ["v"], does: "e-visit" },
      link: { keys: ["l"], does: "link patient" },
      reply: { keys: ["/", "Enter"], does: "reply" },
      summary: { keys: ["s"], does: "summary" },
      scroll: { keys: ["j", "k"], does: "scroll" },
      quickReply: { keys: ["Alt+1-5"], does: "quick reply" },
      send: { keys: ["Ctrl+Enter"], does: "send" },
    },
  },
  queues: {
    title: "Queues",
    shortcuts: {
      move: { keys: ["ArrowUp", "ArrowDown"], does: "move" },
      page: { keys: ["PageUp", "PageDown"], does: "a page" },
      ends: { keys: ["Home", "End"], does: "first, last" },
      queue: { keys: ["ArrowLeft", "ArrowRight"], does: "queue" },
      open: { keys: ["Enter"], does: "open patient" },
      claim: { keys: ["c"], does: "claim" },
      done: { keys: ["d"], does: "done" },
      cancel: { keys: ["x"], does: "cancel" },
      handOff: { keys: ["h"], does: "hand off" },
      handTo: { keys: ["1-9"], does: "hand to the colleague offered" },
      sort: { keys: ["s"], does: "sort" },
      refresh: { keys: ["r"], does: "refresh" },
      dismiss: { keys: ["Escape"], does: "keep the task, or dismiss its note" },
    },
  },
  directory: {
    title: "Directory",
    shortcuts: {
      filter: { keys: ["/"], does: "filter" },
      clear: { keys: ["Escape"], does: "clear, then leave" },
    },
  },
  coverage: {
    title: "Coverage",
    shortcuts: {
      sort: { keys: ["s"], does: "sort" },
      refresh: { keys: ["r"], does: "refresh" },
    },
  },
  audit: {
    title: "Audit trail",
    shortcuts: {
      subject: { keys: ["/"], does: "choose a user or patient" },
      high: { keys: ["h"], does: "high severity only" },
      verify: { keys: ["v"], does: "verify chain" },
      export: { keys: ["x"], does: "export CSV" },
    },
  },
} as const satisfies Record<string, KeySection>;

export type Scope = keyof typeof KEYMAP;

/** The keys of each charting page that has its own. */
export const CHART_PAGE_SCOPES: Partial<Record<Page, Scope>> = {
  complaint: "complaints",
  history: "history",
  systems: "systems",
  assessment: "assessment",
  plan: "plan",
};
export type Action<S extends Scope> = keyof (typeof KEYMAP)[S]["shortcuts"] & string;

interface Parsed {
  ctrl: boolean;
  shift: boolean;
  alt: boolean;
  key: string;
}

function parse(spec: string): Parsed {
  const parts = spec.split("+");
  // "+" itself is not a key of Rounds; the last part is the key.
  const key = parts.pop() ?? "";
  return { ctrl: parts.includes("Ctrl"), shift: parts.includes("Shift"), alt: parts.includes("Alt"), key };
}

function digitRange(key: string): [number, number] | null {
  const m = /^([0-9])-([0-9])$/.exec(key);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** The digit pressed (by key, or by its place on the keyboard when Alt changed the key). */
function digitOf(event: KeyboardEvent): number | null {
  const d = /^Digit([0-9])$/.exec(event.code ?? "")?.[1] ?? /^([0-9])$/.exec(event.key)?.[1];
  return d === undefined ? null : Number(d);
}

function keyMatches(key: string, event: KeyboardEvent, byCode: boolean): boolean {
  const range = digitRange(key);
  if (range) {
    const digit = byCode ? digitOf(event) : /^[0-9]$/.test(event.key) ? Number(event.key) : null;
    return digit !== null && digit >= range[0] && digit <= range[1];
  }
  return event.key === key;
}

/**
 * The event is this shortcut. A key without modifiers is pressed without Ctrl, Cmd or Alt (Shift
 * is the screens' business: their listeners drop shifted letters and keep Shift with the arrows).
 */
export function matches(shortcut: Shortcut, event: KeyboardEvent): boolean {
  const ctrl = event.ctrlKey || event.metaKey;
  return shortcut.keys.some((spec) => {
    if (isSequence(spec)) return false; // "g i": useGoKeys
    const p = parse(spec);
    if (!p.ctrl && !p.alt) return !ctrl && !event.altKey && keyMatches(p.key, event, false);
    if (ctrl !== p.ctrl || event.altKey !== p.alt) return false;
    if (p.ctrl && event.shiftKey !== p.shift) return false;
    return keyMatches(p.key, event, true);
  });
}

/** Which of the scope's shortcuts the key press is (the first listed wins), or null. */
export function actionOf<S extends Scope>(scope: S, event: KeyboardEvent): Action<S> | null {
  const shortcuts: Readonly<Record<string, Shortcut>> = KEYMAP[scope].shortcuts;
  for (const [action, shortcut] of Object.entries(shortcuts)) {
    if (matches(shortcut, event)) return action as Action<S>;
  }
  return null;
}

export function shortcut<S extends Scope>(scope: S, action: Action<S>): Shortcut {
  const shortcuts: Readonly<Record<string, Shortcut>> = KEYMAP[scope].shortcuts;
  return shortcuts[action]!;
}

/** The second key of a "g" sequence ("g i" -> "i"). */
export function sequenceKey<S extends Scope>(scope: S, action: Action<S>): string {
  const spec = shortcut(scope, action).keys.find((k) => /^g .$/.test(k));
  if (!spec) throw new Error(`${scope}.${action} is not a "g" sequence`);
  return spec.slice(2);
}

const KEY_NAMES: Readonly<Record<string, string>> = {
  ArrowUp: "↑",
  ArrowDown: "↓",
  ArrowLeft: "←",
  ArrowRight: "→",
  Escape: "Esc",
  PageUp: "PgUp",
  PageDown: "PgDn",
  Backspace: "⌫",
  Delete: "Del",
};

/** How a key is shown: the keycaps one presses, in order ("Ctrl+Enter" -> ["Ctrl", "Enter"]). */
export function keycaps(spec: string): string[] {
  if (spec.includes(",")) return [spec];
  if (isSequence(spec)) return spec.split(" ");
  return spec.split("+").map((part) => {
    const range = digitRange(part);
    if (range) return `${range[0]}–${range[1]}`;
    return KEY_NAMES[part] ?? part;
  });
}

function isSequence(spec: string): boolean {
  return spec.includes(" ") && !spec.includes(",");
}

/** One key written out: "Ctrl+Enter", "g i", "↑". */
export function specText(spec: string): string {
  return keycaps(spec).join(isSequence(spec) ? " " : "+");
}

/** A shortcut written out, as titles say it: "Ctrl+Enter", "g i", "↑/↓". */
export function keyText(shortcut: Shortcut): string {
  return shortcut.keys.map(specText).join("/");
}

/** The value of aria-keyshortcuts ("Control+Enter", "Alt+1"), for a shortcut of one key. */
export function ariaKeys(shortcut: Shortcut): string {
  return shortcut.keys
    .filter((spec) => !digitRange(parse(spec).key) && !spec.includes(" "))
    .map((spec) => spec.replace("Ctrl", "Control"))
    .join(" ");
}

/** README.md's shortcut list, generated from the keymap. */
export function keymapMarkdown(): string {
  const lines: string[] = [];
  for (const section of Object.values(KEYMAP) as KeySection[]) {
    const items = Object.values(section.shortcuts).map((s) => `${s.keys.map((k) => `\`${specText(k)}\``).join(" ")} ${s.does}`);
    lines.push(`- **${section.title}**: ${items.join("; ")}.`);
  }
  return lines.join("\n");
}

/** The key goes back (up a list, to the previous tab): ↑, ←, k, PageUp. */
export function isBackward(event: KeyboardEvent): boolean {
  return event.key === "ArrowUp" || event.key === "ArrowLeft" || event.key === "k" || event.key === "PageUp";
}

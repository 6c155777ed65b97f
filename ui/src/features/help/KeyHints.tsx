import { Fragment, type ReactNode } from "react";
import { keycaps, type Shortcut } from "../../lib/keymap";

/** One key as keycaps: <kbd>Ctrl</kbd>+<kbd>Enter</kbd>, <kbd>g</kbd> <kbd>i</kbd>. */
export function Keys({ spec }: { spec: string }) {
  const caps = keycaps(spec);
  const joiner = spec.includes("+") && !spec.includes(",") ? "+" : " ";
  return (
    <>
      {caps.map((cap, i) => (
        <Fragment key={i}>
          {i > 0 && joiner}
          <kbd>{cap}</kbd>
        </Fragment>
      ))}
    </>
  );
}

/** A shortcut's keys, alternatives side by side: ↑ ↓ move. */
export function ShortcutKeys({ shortcut }: { shortcut: Shortcut }) {
  return (
    <>
      {shortcut.keys.map((spec, i) => (
        <Fragment key={spec}>
          {i > 0 && " "}
          <Keys spec={spec} />
        </Fragment>
      ))}
    </>
  );
}

interface Props {
  shortcuts: readonly (Shortcut | false | null | undefined)[];
  className?: string;
  /** Said after the keys (a note that is not a key). */
  children?: ReactNode;
}

/** The quiet line of keys under a screen, from the keymap: "c claim · d done · ? all keys". */
export function KeyHints({ shortcuts, className, children }: Props) {
  const shown = shortcuts.filter((s): s is Shortcut => Boolean(s));
  return (
    <p className={className ? `key-hints ${className}` : "key-hints"} aria-hidden="true">
      {shown.map((s, i) => (
        <Fragment key={i}>
          {i > 0 && " · "}
          <ShortcutKeys shortcut={s} /> {s.does}
        </Fragment>
      ))}
      {children}
    </p>
  );
}

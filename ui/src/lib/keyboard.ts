const TEXT_INPUT_TYPES = new Set([
  "text",
  "search",
  "email",
  "password",
  "tel",
  "url",
  "number",
  "date",
  "datetime-local",
  "month",
  "time",
  "week",
]);

/** True when a key typed here belongs to the field, not to a single-key shortcut. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(target.type);
}

/** A modal dialog is open: shortcuts for the screen behind it must stay quiet. */
export function isModalOpen(): boolean {
  return document.querySelector('[role="dialog"][aria-modal="true"]') !== null;
}

/** A plain key press for a single-key shortcut: no modifier, not typed into a field, no dialog. */
export function isPlainShortcut(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return false;
  return !isTypingTarget(event.target) && !isModalOpen();
}

const CONTROLS = "button, a[href], input, select, textarea, [role='radio']";

/** The key went to a control (a button, a field, a radio) that has its own use for Enter and the arrows. */
export function isOnControl(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest(CONTROLS) !== null;
}

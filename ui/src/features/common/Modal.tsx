import { useLayoutEffect, useRef, type KeyboardEvent, type ReactNode, type RefObject } from "react";
import { createPortal } from "react-dom";
import "./Modal.css";

interface Props {
  titleId: string;
  title: ReactNode;
  className?: string;
  testId?: string;
  onClose: () => void;
  /** Where the keyboard lands on opening; the heading when not given. */
  initialFocus?: () => HTMLElement | null;
  /** "drawer": a side panel (`.drawer-backdrop`, `.drawer`) whose heading sits in a `.drawer-header`. */
  variant?: "modal" | "drawer";
  /** Beside the heading in the drawer's header (a Close button). */
  headerActions?: ReactNode;
  /** The heading, for callers that move the keyboard back to it. */
  headingRef?: RefObject<HTMLHeadingElement | null>;
  /** Put focus back where it was on closing; off when the caller decides where it goes. */
  restoreFocus?: boolean;
  children: ReactNode;
}

/**
 * A modal dialog on the native `<dialog>`, opened with showModal(): the rest of the app is inert
 * (not reachable by Tab, pointer or screen reader), Escape closes, and the screen's single-key
 * shortcuts rest while it is open (they check for `[role="dialog"][aria-modal="true"]`). Focus
 * goes back where it was on closing unless `restoreFocus` is false.
 */
export function Modal({
  titleId,
  title,
  className,
  testId,
  onClose,
  initialFocus,
  variant = "modal",
  headerActions,
  headingRef: givenHeadingRef,
  restoreFocus = true,
  children,
}: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const ownHeadingRef = useRef<HTMLHeadingElement>(null);
  const headingRef = givenHeadingRef ?? ownHeadingRef;

  // Only on opening: initialFocus and restoreFocus are read once.
  const opening = useRef({ initialFocus, restoreFocus, headingRef });
  useLayoutEffect(() => {
    const { initialFocus, restoreFocus, headingRef } = opening.current;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
    (initialFocus?.() ?? headingRef.current)?.focus();
    return () => {
      if (dialog?.open) dialog.close();
      if (restoreFocus && before?.isConnected) before.focus();
    };
  }, []);

  function handleKeyDown(event: KeyboardEvent<HTMLDialogElement>) {
    if (event.key !== "Escape") return;
    // Closed here (the caller unmounts it), not by the browser; nothing behind it hears the key.
    event.preventDefault();
    event.stopPropagation();
    onClose();
  }

  const drawer = variant === "drawer";
  const heading = (
    <h2 id={titleId} ref={headingRef} tabIndex={-1} className={drawer ? undefined : "modal-title"}>
      {title}
    </h2>
  );

  return createPortal(
    <dialog
      ref={dialogRef}
      className="dialog-layer"
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      data-testid={testId}
      onKeyDown={handleKeyDown}
      onCancel={(e) => {
        // Escape reaching the browser (focus on the layer itself): the caller closes it.
        e.preventDefault();
        onClose();
      }}
    >
      <div
        className={drawer ? "drawer-backdrop" : "modal-backdrop"}
        onMouseDown={(e) => {
          if (e.target === e.currentTarget) onClose();
        }}
      >
        <div className={[drawer ? "drawer" : "modal", className].filter(Boolean).join(" ")}>
          {drawer ? (
            <header className="drawer-header">
              {heading}
              {headerActions}
            </header>
          ) : (
            <>
              {heading}
              {headerActions}
            </>
          )}
          {children}
        </div>
      </div>
    </dialog>,
    document.body,
  );
}

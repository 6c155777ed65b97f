import { useEffect, useRef, type KeyboardEvent, type ReactNode, type RefObject } from "react";
import { createPortal } from "react-dom";

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

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
 * A modal dialog: Escape closes, Tab stays inside, and the screen's single-key shortcuts rest
 * while it is open (they check for `[role="dialog"][aria-modal="true"]`). Focus goes back where
 * it was on closing unless `restoreFocus` is false.
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
  const dialogRef = useRef<HTMLDivElement>(null);
  const ownHeadingRef = useRef<HTMLHeadingElement>(null);
  const headingRef = givenHeadingRef ?? ownHeadingRef;

  // Only on opening: initialFocus and restoreFocus are read once.
  const opening = useRef({ initialFocus, restoreFocus, headingRef });
  useEffect(() => {
    const { initialFocus, restoreFocus, headingRef } = opening.current;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    (initialFocus?.() ?? headingRef.current)?.focus();
    return () => {
      if (restoreFocus && before?.isConnected) before.focus();
    };
  }, []);

  function handleKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onClose();
      return;
    }
    if (event.key !== "Tab" || !dialogRef.current) return;
    const focusable = Array.from(dialogRef.current.querySelectorAll<HTMLElement>(FOCUSABLE));
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && (document.activeElement === first || document.activeElement === headingRef.current)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  const drawer = variant === "drawer";
  const heading = (
    <h2 id={titleId} ref={headingRef} tabIndex={-1} className={drawer ? undefined : "modal-title"}>
      {title}
    </h2>
  );

  return createPortal(
    <div
      className={drawer ? "drawer-backdrop" : "modal-backdrop"}
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={dialogRef}
        className={[drawer ? "drawer" : "modal", className].filter(Boolean).join(" ")}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        onKeyDown={handleKeyDown}
      >
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
    </div>,
    document.body,
  );
}

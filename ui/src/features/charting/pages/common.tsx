import { useEffect, useRef, type ReactNode } from "react";
import type { ComplaintCatalogEntry } from "../../../bindings/ComplaintCatalogEntry";
import type { Page } from "../../../bindings/Page";
import type { SectionKey } from "../../../bindings/SectionKey";
import type { IpcError } from "../../../lib/ipc";
import type { EncounterApi } from "../useEncounter";

export interface PageProps {
  api: EncounterApi;
  /** The service line's complaints, or null while they cannot be read. */
  catalog: ComplaintCatalogEntry[] | null;
  goTo: (page: Page) => void;
  onError?: ((error: IpcError) => void) | undefined;
}

interface HeadingProps {
  children: ReactNode;
  /** Focus the heading when the page opens (pages that focus a field say false). */
  focus?: boolean;
  lede?: ReactNode;
}

/** The page's title; it takes focus on entry so single-key shortcuts work at once. */
export function PageHeading({ children, focus = true, lede }: HeadingProps) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus({ preventScroll: true });
  }, [focus]);
  return (
    <header className="page-header">
      <h2 ref={ref} tabIndex={-1} className="page-title" id="page-title">
        {children}
      </h2>
      {lede && <p className="page-lede">{lede}</p>}
    </header>
  );
}

/** A save of this page's section was refused: what the core said, calmly. */
export function SaveRefusal({ api, section }: { api: EncounterApi; section: SectionKey }) {
  const error = api.refusals[section];
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      Not saved: {error.message}
    </p>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return (
    <kbd className="option-key" aria-hidden="true">
      {children}
    </kbd>
  );
}

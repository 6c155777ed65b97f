import { useRef, useState } from "react";
import type { ChosenComplaint } from "../../../bindings/ChosenComplaint";
import type { ComplaintCatalogEntry } from "../../../bindings/ComplaintCatalogEntry";
import { KEYMAP, matches } from "../../../lib/keymap";
import { digitIndex, usePageKeys } from "../keys";
import { TypeAhead } from "../TypeAhead";
import { Kbd, PageHeading, SaveRefusal, type PageProps } from "./common";

/** The chief-complaint page shows this many buttons; the rest are under "More…". */
export const COMPLAINT_BUTTONS = 12;

export function ComplaintPage({ api, catalog }: PageProps) {
  const chosen = api.draft.complaints.chosen;
  const [moreOpen, setMoreOpen] = useState(false);
  const moreRef = useRef<HTMLInputElement>(null);
  const moreButtonRef = useRef<HTMLButtonElement>(null);
  const buttons = (catalog ?? []).slice(0, COMPLAINT_BUTTONS);

  function toggle(entry: { code: string; label: string }) {
    const next: ChosenComplaint[] = chosen.some((c) => c.code === entry.code)
      ? chosen.filter((c) => c.code !== entry.code)
      : [...chosen, { code: entry.code, label: entry.label }];
    void api.update({ section: "complaints", chosen: next });
  }

  function openMore() {
    setMoreOpen(true);
    requestAnimationFrame(() => moreRef.current?.focus());
  }

  usePageKeys((event) => {
    const index = digitIndex(event);
    if (index !== null) {
      const entry = buttons[index];
      if (!entry) return false;
      toggle(entry);
      return true;
    }
    if (matches(KEYMAP.complaints.shortcuts.more, event)) {
      openMore();
      return true;
    }
    return false;
  });

  return (
    <>
      <PageHeading lede="Choose one or more. Digits toggle the numbered complaints.">Chief complaint</PageHeading>

      {catalog === null ? (
        <p className="muted">The complaint list is not available on this device.</p>
      ) : (
        <div className="complaint-grid" role="group" aria-labelledby="page-title">
          {buttons.map((entry, index) => {
            const pressed = chosen.some((c) => c.code === entry.code);
            return (
              <button
                key={entry.code}
                type="button"
                className="complaint-button"
                aria-pressed={pressed}
                data-testid={`complaint-${entry.code}`}
                aria-keyshortcuts={index < 9 ? String(index + 1) : undefined}
                onClick={() => toggle(entry)}
              >
                {index < 9 ? <Kbd>{index + 1}</Kbd> : <span className="option-key-blank" aria-hidden="true" />}
                <span className="complaint-label">{entry.label}</span>
                {pressed && (
                  <span className="complaint-check" aria-hidden="true">
                    ✓
                  </span>
                )}
              </button>
            );
          })}
          <button
            ref={moreButtonRef}
            type="button"
            className="complaint-button complaint-more"
            aria-expanded={moreOpen}
            aria-keyshortcuts="m"
            data-testid="complaint-more"
            onClick={() => (moreOpen ? setMoreOpen(false) : openMore())}
          >
            <Kbd>M</Kbd>
            <span className="complaint-label">More…</span>
          </button>
        </div>
      )}

      {moreOpen && catalog && (
        <div className="complaint-search">
          <TypeAhead<ComplaintCatalogEntry>
            id="complaint-search"
            label="Search all complaints"
            placeholder="Type to filter"
            inputRef={moreRef}
            listWhenEmpty
            search={(q) => {
              const needle = q.toLowerCase();
              return catalog.filter((e) => e.label.toLowerCase().includes(needle));
            }}
            itemKey={(e) => e.code}
            renderItem={(e) => <span>{e.label}</span>}
            isChosen={(e) => chosen.some((c) => c.code === e.code)}
            onPick={toggle}
            onEscapeEmpty={() => {
              setMoreOpen(false);
              moreButtonRef.current?.focus();
            }}
          />
        </div>
      )}

      <section className="chips-section" aria-labelledby="chosen-heading">
        <h3 id="chosen-heading" className="section-label">
          Chosen
        </h3>
        {chosen.length === 0 ? (
          <p className="none">No complaint chosen yet.</p>
        ) : (
          <ul className="chips">
            {chosen.map((c) => (
              <li key={c.code} className="chip">
                {c.label}
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove ${c.label}`}
                  onClick={() => toggle(c)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <SaveRefusal api={api} section="complaints" />
    </>
  );
}

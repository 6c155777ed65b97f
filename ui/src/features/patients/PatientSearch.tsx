import { useEffect, useState, type KeyboardEvent, type RefObject } from "react";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { formatDobWithAge, sexInitial, sexLabel } from "../../lib/format";
import { searchPatients, type IpcError } from "../../lib/ipc";
import { KEYMAP } from "../../lib/keymap";
import { KeyHints } from "../help/KeyHints";
import { displayName } from "./names";

export const SEARCH_LIMIT = 50;
const LISTBOX_ID = "patient-results";
const KEYS = KEYMAP.patients.shortcuts;
const optionId = (index: number) => `patient-option-${index}`;

interface Props {
  inputRef: RefObject<HTMLInputElement | null>;
  /** The patient shown in the banner, marked in the list. */
  openId: string | null;
  onOpen: (id: string) => void;
  onError?: (error: IpcError) => void;
  /** Emergency access (break-glass), with what was searched for. */
  onEmergencyAccess?: (query: string) => void;
}

export function PatientSearch({ inputRef, openId, onOpen, onError, onEmergencyAccess }: Props) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(-1);

  const trimmed = query.trim();
  // Every keystroke searches the local cache; the list shows the last answer until the newest
  // one comes (an older answer never replaces a newer one).
  const search = useRead(
    queryKeys.patientSearch(trimmed, SEARCH_LIMIT),
    () => searchPatients(trimmed, SEARCH_LIMIT),
    { keepPrevious: true, onError },
  );
  const error = search.error;
  const answered = search.data !== undefined;
  const items = search.data ?? [];
  const upToDate = answered && !search.isPlaceholderData;

  useEffect(() => {
    if (active < 0) return;
    document.getElementById(optionId(active))?.scrollIntoView?.({ block: "nearest" });
  }, [active]);

  function open(index: number) {
    const item = items[index];
    if (!item) return;
    setActive(index);
    onOpen(item.id);
  }

  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (items.length > 0) setActive((i) => Math.min(i + 1, items.length - 1));
        break;
      case "ArrowUp":
        event.preventDefault();
        if (items.length > 0) setActive((i) => Math.max(i - 1, 0));
        break;
      case "Enter":
        event.preventDefault();
        if (active >= 0) open(active);
        // With nothing highlighted, Enter opens only an unambiguous, current match.
        else if (upToDate && items.length === 1) open(0);
        break;
      case "Escape":
        event.preventDefault();
        if (query !== "") {
          setQuery("");
          setActive(-1);
        } else {
          // An empty box: leave it, so single keys (g q, e, n) work again.
          event.currentTarget.blur();
        }
        break;
    }
  }

  const activeItem = active >= 0 ? items[active] : undefined;

  return (
    <div className="search">
      <label htmlFor="patient-search" className="visually-hidden">
        Search patients
      </label>
      <input
        id="patient-search"
        ref={inputRef}
        className="search-input"
        type="text"
        role="combobox"
        aria-expanded={items.length > 0}
        aria-controls={LISTBOX_ID}
        aria-autocomplete="list"
        aria-activedescendant={activeItem ? optionId(active) : undefined}
        autoFocus
        autoComplete="off"
        spellCheck={false}
        enterKeyHint="search"
        placeholder="Name, MRN, date of birth or phone"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(-1);
        }}
        onKeyDown={handleKeyDown}
      />

      <div className="search-results" aria-busy={!upToDate && error === null}>
        {error ? (
          <p className="search-message search-error" role="alert">
            Search is not available: {error.message}
          </p>
        ) : !answered ? (
          <p className="search-message">Loading patients…</p>
        ) : items.length === 0 ? (
          <>
            <p className="search-message">
              {trimmed ? `No patients match “${trimmed}”.` : "No patients on this device yet."}
            </p>
            {onEmergencyAccess && (
              <p className="search-emergency">
                Not your patient?{" "}
                <button type="button" className="link-button" onClick={() => onEmergencyAccess(trimmed)}>
                  Emergency access…
                </button>
              </p>
            )}
          </>
        ) : null}

        <ul id={LISTBOX_ID} role="listbox" aria-label="Patients" className="patient-list" hidden={items.length === 0}>
          {items.map((p, index) => (
            <li
              key={p.id}
              id={optionId(index)}
              role="option"
              data-testid="patient-row"
              aria-selected={index === active}
              data-open={p.id === openId ? "" : undefined}
              className="patient-row"
              onMouseDown={(e) => e.preventDefault() /* keep focus in the search box */}
              onClick={() => open(index)}
            >
              <span className="row-name">{displayName(p)}</span>
              <span className="row-meta">
                <span className="row-mrn">MRN {p.mrn}</span>
                <span className="row-dob">{formatDobWithAge(p.birth_date)}</span>
                <span className="row-sex" title={sexLabel(p.sex)}>
                  {sexInitial(p.sex)}
                </span>
                <span className="row-state">{p.current_state}</span>
              </span>
            </li>
          ))}
        </ul>

        {upToDate && items.length >= SEARCH_LIMIT && (
          <p className="search-message search-limit">
            Showing the first {SEARCH_LIMIT}. Keep typing to narrow the list.
          </p>
        )}
      </div>

      {/* Quiet, below the list; a search that finds nobody offers it in its message instead. */}
      {onEmergencyAccess && !(answered && error === null && items.length === 0) && (
        <p className="search-emergency">
          <button
            type="button"
            className="button button-quiet button-small"
            title="Read-only access to a patient outside your care teams (logged and reviewed)"
            onClick={() => onEmergencyAccess(trimmed)}
          >
            Emergency access…
          </button>
        </p>
      )}

      <p className="visually-hidden" role="status">
        {upToDate ? `${items.length} ${items.length === 1 ? "patient" : "patients"}` : ""}
      </p>

      <KeyHints
        shortcuts={[
          KEYS.search,
          KEYS.move,
          KEYS.open,
          KEYS.clear,
          KEYMAP.anywhere.shortcuts.queues,
          KEYMAP.anywhere.shortcuts.lock,
          KEYMAP.anywhere.shortcuts.help,
        ]}
      />
    </div>
  );
}

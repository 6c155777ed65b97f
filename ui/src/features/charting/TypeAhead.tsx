import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from "react";
import { toIpcError, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";

interface Props<T> {
  id: string;
  label: string;
  /** The key that focuses the field, shown after the label. */
  keyHint?: string;
  placeholder?: string;
  inputRef?: RefObject<HTMLInputElement | null>;
  search: (query: string) => Promise<T[]> | T[];
  itemKey: (item: T) => string;
  renderItem: (item: T) => ReactNode;
  /** Dimmed, still choosable (e.g. a non-billable ICD-10-CM header). */
  isDim?: (item: T) => boolean;
  /** Marked as already chosen. */
  isChosen?: (item: T) => boolean;
  onPick: (item: T) => void;
  /** List everything while the field is empty (a short list, like the complaint catalog). */
  listWhenEmpty?: boolean;
  /** Escape in an empty field. */
  onEscapeEmpty?: () => void;
  onError?: ((error: IpcError) => void) | undefined;
  autoFocus?: boolean;
  disabled?: boolean;
}

interface Answer<T> {
  query: string;
  items: T[];
}

/**
 * A combobox over a local search: every keystroke asks, only the newest answer shows;
 * ArrowUp/ArrowDown move, Enter picks the highlighted item (or the first), Escape clears.
 */
export function TypeAhead<T>({
  id,
  label,
  keyHint,
  placeholder,
  inputRef,
  search,
  itemKey,
  renderItem,
  isDim,
  isChosen,
  onPick,
  listWhenEmpty = false,
  onEscapeEmpty,
  onError,
  autoFocus,
  disabled,
}: Props<T>) {
  const [query, setQuery] = useState("");
  const [answer, setAnswer] = useState<Answer<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(-1);
  const latestRequest = useRef(0);
  const searchRef = useLatest(search);
  const onErrorRef = useLatest(onError);
  const trimmed = query.trim();
  const listId = `${id}-list`;
  const optionId = (index: number) => `${id}-option-${index}`;

  useEffect(() => {
    const request = ++latestRequest.current;
    if (!trimmed && !listWhenEmpty) {
      setAnswer(null);
      setActive(-1);
      return;
    }
    Promise.resolve()
      .then(() => searchRef.current(trimmed))
      .then(
        (items) => {
          if (request !== latestRequest.current) return;
          setAnswer({ query: trimmed, items });
          setError(null);
          setActive(-1);
        },
        (caught: unknown) => {
          if (request !== latestRequest.current) return;
          const failure = toIpcError(caught);
          setError(`Search is not available: ${failure.message}`);
          onErrorRef.current?.(failure);
        },
      );
  }, [trimmed, listWhenEmpty, searchRef, onErrorRef]);

  const items = answer?.items ?? [];
  const open = items.length > 0 && (trimmed !== "" || listWhenEmpty);

  useEffect(() => {
    if (active < 0) return;
    document.getElementById(`${id}-option-${active}`)?.scrollIntoView?.({ block: "nearest" });
  }, [active, id]);

  function pick(index: number) {
    const item = items[index];
    if (item === undefined) return;
    onPick(item);
    setQuery("");
    setActive(-1);
  }

  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
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
        if (!open) break;
        event.preventDefault();
        pick(active >= 0 ? active : 0);
        break;
      case "Escape":
        if (query !== "") {
          event.preventDefault();
          event.stopPropagation();
          setQuery("");
          setActive(-1);
        } else if (onEscapeEmpty) {
          event.preventDefault();
          event.stopPropagation();
          onEscapeEmpty();
        }
        break;
    }
  }

  return (
    <div className="typeahead">
      <label htmlFor={id} className="field-label">
        {label}
        {keyHint && (
          <span className="field-key" aria-hidden="true">
            {" "}
            <kbd>{keyHint}</kbd>
          </span>
        )}
      </label>
      <input
        id={id}
        ref={inputRef}
        className="typeahead-input"
        type="text"
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
        autoComplete="off"
        spellCheck={false}
        autoFocus={autoFocus}
        disabled={disabled}
        placeholder={placeholder}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(-1);
        }}
        onKeyDown={handleKeyDown}
      />
      {error && <p className="typeahead-message typeahead-error">{error}</p>}
      {!error && answer && trimmed !== "" && answer.query === trimmed && items.length === 0 && (
        <p className="typeahead-message">Nothing matches “{trimmed}”.</p>
      )}
      <ul id={listId} role="listbox" aria-label={label} className="typeahead-list" hidden={!open}>
        {items.map((item, index) => {
          const dim = isDim?.(item) ?? false;
          const chosen = isChosen?.(item) ?? false;
          return (
            <li
              key={itemKey(item)}
              id={optionId(index)}
              role="option"
              aria-selected={index === active}
              className={["typeahead-option", dim ? "is-dim" : "", chosen ? "is-chosen" : ""].join(" ").trim()}
              onMouseDown={(e) => e.preventDefault() /* keep focus in the field */}
              onClick={() => pick(index)}
            >
              {renderItem(item)}
              {chosen && <span className="typeahead-chosen">chosen</span>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

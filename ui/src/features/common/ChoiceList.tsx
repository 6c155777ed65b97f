import type { KeyboardEvent, ReactNode, RefObject } from "react";

/**
 * What a key does in a list of choices: the index to move to, "choose" (Enter), or null (not
 * the list's key). Digits 1–9 pick a row directly unless `digits` is false (a search box).
 */
export function pickKey(key: string, active: number, count: number, digits = true): number | "choose" | null {
  if (count === 0) return null;
  switch (key) {
    case "ArrowDown":
      return Math.min(active + 1, count - 1);
    case "ArrowUp":
      return Math.max(active - 1, 0);
    case "Home":
      return 0;
    case "End":
      return count - 1;
    case "Enter":
      return "choose";
  }
  if (digits && /^[1-9]$/.test(key) && Number(key) <= count) return Number(key) - 1;
  return null;
}

interface Props<T> {
  items: readonly T[];
  active: number;
  onActive: (index: number) => void;
  /** Enter on the list. */
  onChoose: (index: number) => void;
  itemKey: (item: T) => string;
  renderItem: (item: T, index: number) => ReactNode;
  /** Id of the list's visible label. */
  labelledBy: string;
  /** Option ids are `${idPrefix}-${index}`. */
  idPrefix: string;
  listRef?: RefObject<HTMLUListElement | null> | undefined;
  className?: string | undefined;
  optionClassName?: string | undefined;
  /** Rows reached by 1–9 show their digit. */
  digits?: boolean;
  testId?: string | undefined;
  /** A click chooses the row (a picker), not only highlights it. */
  chooseOnClick?: boolean;
  /** data-testid of each row. */
  optionTestId?: string | undefined;
}

/**
 * A listbox of choices in a dialog: arrows, Home/End and 1–9 move, Enter chooses, a click
 * highlights (or chooses, with `chooseOnClick`).
 */
export function ChoiceList<T>({
  items,
  active,
  onActive,
  onChoose,
  itemKey,
  renderItem,
  labelledBy,
  idPrefix,
  listRef,
  className = "choice-list",
  optionClassName = "choice-option",
  digits = true,
  testId,
  chooseOnClick = false,
  optionTestId,
}: Props<T>) {
  function handleKeyDown(event: KeyboardEvent<HTMLUListElement>) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const next = pickKey(event.key, active, items.length, digits);
    if (next === null) return;
    event.preventDefault();
    if (next === "choose") onChoose(active);
    else onActive(next);
  }

  return (
    <ul
      ref={listRef}
      className={className}
      role="listbox"
      aria-labelledby={labelledBy}
      aria-activedescendant={items.length > 0 ? `${idPrefix}-${active}` : undefined}
      tabIndex={0}
      data-testid={testId}
      onKeyDown={handleKeyDown}
    >
      {items.map((item, index) => (
        <li
          key={itemKey(item)}
          id={`${idPrefix}-${index}`}
          role="option"
          aria-selected={index === active}
          data-testid={optionTestId}
          className={digits ? optionClassName : `${optionClassName} no-key`}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            onActive(index);
            if (chooseOnClick) onChoose(index);
            else listRef?.current?.focus();
          }}
        >
          {digits && (
            <span className="option-key" aria-hidden="true">
              {index < 9 ? index + 1 : ""}
            </span>
          )}
          {renderItem(item, index)}
        </li>
      ))}
    </ul>
  );
}

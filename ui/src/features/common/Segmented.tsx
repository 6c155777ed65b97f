import { useRef, type KeyboardEvent } from "react";

export interface SegmentOption<T extends string> {
  value: T;
  label: string;
}

interface Props<T extends string> {
  /** Accessible name of the group. */
  label: string;
  /** Id of a visible label element, used instead of `label` when given. */
  labelledBy?: string | undefined;
  options: readonly SegmentOption<T>[];
  value: T | null;
  onChange: (value: T) => void;
  disabled?: boolean | undefined;
}

/**
 * A row of buttons where one is chosen (a radio group): Tab reaches the chosen
 * one, arrow keys move the choice, Home/End jump to the ends.
 */
export function Segmented<T extends string>({ label, labelledBy, options, value, onChange, disabled }: Props<T>) {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const chosen = options.findIndex((o) => o.value === value);
  const tabStop = chosen >= 0 ? chosen : 0;

  function choose(index: number) {
    const option = options[index];
    if (!option) return;
    onChange(option.value);
    refs.current[index]?.focus();
  }

  function handleKeyDown(event: KeyboardEvent<HTMLButtonElement>, index: number) {
    // Modified arrows belong to the screen (Alt+Arrow moves between charting pages).
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const last = options.length - 1;
    let next: number | null = null;
    switch (event.key) {
      case "ArrowRight":
      case "ArrowDown":
        next = index === last ? 0 : index + 1;
        break;
      case "ArrowLeft":
      case "ArrowUp":
        next = index === 0 ? last : index - 1;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = last;
        break;
    }
    if (next === null) return;
    event.preventDefault();
    choose(next);
  }

  return (
    <div
      className="segmented"
      role="radiogroup"
      aria-label={labelledBy ? undefined : label}
      aria-labelledby={labelledBy}
    >
      {options.map((option, index) => (
        <button
          key={option.value}
          ref={(el) => {
            refs.current[index] = el;
          }}
          type="button"
          role="radio"
          aria-checked={option.value === value}
          tabIndex={index === tabStop ? 0 : -1}
          className="segment"
          disabled={disabled}
          onClick={() => choose(index)}
          onKeyDown={(e) => handleKeyDown(e, index)}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}

import { useEffect, useRef, useState, type KeyboardEvent, type RefObject } from "react";

export type TextRef = RefObject<HTMLTextAreaElement | HTMLInputElement | null>;

interface Props {
  id: string;
  label: string;
  /** The saved (or being saved) text. */
  value: string;
  onChange: (text: string) => void;
  multiline?: boolean;
  rows?: number;
  placeholder?: string;
  readOnly?: boolean;
  className?: string;
  /** Shown after the label, e.g. the key that focuses the field. */
  keyHint?: string;
  /** The label is for screen readers only. */
  hideLabel?: boolean;
  testId?: string;
  inputRef?: TextRef;
  onKeyDown?: (event: KeyboardEvent<HTMLElement>) => void;
  describedBy?: string;
  maxLength?: number;
}

/**
 * A text field whose typing always wins: while it has focus it shows what was typed, whatever
 * answer arrives meanwhile; when it loses focus it shows the chart's value again.
 */
export function DraftText({
  id,
  label,
  value,
  onChange,
  multiline = false,
  rows = 4,
  placeholder,
  readOnly = false,
  className,
  keyHint,
  hideLabel = false,
  testId,
  inputRef,
  onKeyDown,
  describedBy,
  maxLength,
}: Props) {
  const [text, setText] = useState(value);
  const focused = useRef(false);

  useEffect(() => {
    if (!focused.current) setText(value);
  }, [value]);

  const common = {
    id,
    value: text,
    placeholder,
    readOnly,
    maxLength,
    "data-testid": testId,
    "aria-describedby": describedBy,
    spellCheck: true,
    onFocus: () => {
      focused.current = true;
    },
    onBlur: () => {
      focused.current = false;
      setText(value);
    },
    onChange: (e: { target: { value: string } }) => {
      setText(e.target.value);
      onChange(e.target.value);
    },
    onKeyDown,
  };

  return (
    <div className={className ? `field ${className}` : "field"}>
      <label htmlFor={id} className={hideLabel ? "visually-hidden" : undefined}>
        {label}
        {keyHint && (
          <span className="field-key" aria-hidden="true">
            {" "}
            <kbd>{keyHint}</kbd>
          </span>
        )}
      </label>
      {multiline ? (
        <textarea ref={inputRef as RefObject<HTMLTextAreaElement | null> | undefined} rows={rows} className="text-area" {...common} />
      ) : (
        <input ref={inputRef as RefObject<HTMLInputElement | null> | undefined} type="text" autoComplete="off" {...common} />
      )}
    </div>
  );
}

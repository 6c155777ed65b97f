import type { RefObject } from "react";
import "./twoStep.css";

interface Props {
  id: string;
  value: string;
  onChange: (value: string) => void;
  inputRef?: RefObject<HTMLInputElement | null>;
  readOnly?: boolean;
  /** The id of the message saying what is wrong with the code, while there is one. */
  errorId?: string | undefined;
  /** Sign-in asks for the code: the cursor goes there at once. */
  autoFocus?: boolean;
}

/** The 6-digit code from an authenticator app (the system may offer it: one-time-code). */
export function CodeField({ id, value, onChange, inputRef, readOnly, errorId, autoFocus = false }: Props) {
  return (
    <div className="field">
      <label htmlFor={id}>6-digit code</label>
      <input
        id={id}
        ref={inputRef}
        className="code-input"
        type="text"
        inputMode="numeric"
        autoComplete="one-time-code"
        autoFocus={autoFocus}
        required
        maxLength={12}
        spellCheck={false}
        value={value}
        readOnly={readOnly}
        aria-invalid={errorId ? true : undefined}
        aria-describedby={errorId}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

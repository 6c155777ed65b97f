interface Props {
  /** What went wrong with the last try, in words for the clinician. */
  error: string | null;
  /** The primary button's text (the dialog words it while busy). */
  label: string;
  disabled: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A dialog's last lines: its error, the primary action and Cancel. */
export function DialogFooter({ error, label, disabled, onConfirm, onCancel }: Props) {
  return (
    <>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button button-primary" disabled={disabled} onClick={onConfirm}>
          {label}
        </button>
        <button type="button" className="button button-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}

import { useEffect, useRef, useState, type FormEvent, type RefObject } from "react";
import type { SecondFactorEnrollment } from "../../bindings/SecondFactorEnrollment";
import { confirmSecondFactor, enrollSecondFactor, toIpcError, type IpcError } from "../../lib/ipc";
import { QrCode } from "../common/QrCode";
import { CodeField } from "./CodeField";
import { SECOND_FACTOR_NEEDED, cleanCode } from "./messages";
import "./twoStep.css";

interface Props {
  /** The server answers (setting up needs it). */
  online: boolean;
  /** The organisation requires two-step sign-in and this account has not set it up. */
  required: boolean;
  /** The "Set up an authenticator app" button, for a dialog opened to set it up. */
  startRef?: RefObject<HTMLButtonElement | null>;
  onTurnedOn?: (() => void) | undefined;
  onError?: ((error: IpcError) => void) | undefined;
}

type Setup =
  | { kind: "idle" }
  | { kind: "starting" }
  | { kind: "enrolling"; enrollment: SecondFactorEnrollment }
  | { kind: "on" };

/** The QR code of the setup link, for screen readers. */
export const QR_LABEL = "QR code for your authenticator app";

/** "JBSWY3DPEHPK3PXP" as "JBSW Y3DP EHPK 3PXP": easier to read and type into an app. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, "").match(/.{1,4}/g) ?? []).join(" ");
}

/** Two-step sign-in: set up an authenticator app (its secret shown once), then turn it on with a code. */
export function TwoStepSetup({ online, required, startRef, onTurnedOn, onError }: Props) {
  const [setup, setSetup] = useState<Setup>({ kind: "idle" });
  const [code, setCode] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const stepsRef = useRef<HTMLDivElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  // The steps take the keyboard once the secret is there: read from the top, then the code field.
  useEffect(() => {
    if (setup.kind === "enrolling") stepsRef.current?.focus();
  }, [setup.kind]);

  async function start() {
    if (setup.kind === "starting") return;
    setSetup({ kind: "starting" });
    setError(null);
    try {
      const enrollment = await enrollSecondFactor();
      setCode("");
      setSetup({ kind: "enrolling", enrollment });
    } catch (caught) {
      const failure = toIpcError(caught);
      setSetup({ kind: "idle" });
      setError(`Not started: ${failure.message}`);
      if (failure.code !== "server_unreachable") onError?.(failure);
    }
  }

  async function turnOn(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (confirming) return;
    const typed = cleanCode(code);
    if (typed === "") {
      setError("Type the 6 digits the app shows.");
      codeRef.current?.focus();
      return;
    }
    setConfirming(true);
    setError(null);
    try {
      await confirmSecondFactor(typed);
    } catch (caught) {
      const failure = toIpcError(caught);
      setError(`Not turned on: ${failure.message}`);
      setCode("");
      setConfirming(false);
      codeRef.current?.focus();
      if (failure.code !== "server_unreachable" && failure.code !== "invalid_input") onError?.(failure);
      return;
    }
    setConfirming(false);
    setSetup({ kind: "on" });
    onTurnedOn?.();
  }

  return (
    <section className="two-step" aria-labelledby="two-step-title" data-testid="two-step">
      <h3 id="two-step-title" className="two-step-title">
        Two-step sign-in
      </h3>
      {setup.kind === "on" && (
        <p className="two-step-on" role="status">
          Two-step sign-in is on. You will be asked for a code when you sign in.
        </p>
      )}
      {(setup.kind === "idle" || setup.kind === "starting") && (
        <>
          <p className={required ? "two-step-required" : "muted"}>
            {required
              ? SECOND_FACTOR_NEEDED
              : "Sign-in can ask for a code from an authenticator app on your phone as well as your password. A new app replaces any earlier one once its code is accepted."}
          </p>
          <div className="form-actions">
            <button
              ref={startRef}
              type="button"
              className={required ? "button button-primary" : "button button-quiet"}
              disabled={!online || setup.kind === "starting"}
              onClick={() => void start()}
            >
              {setup.kind === "starting" ? "Starting…" : "Set up an authenticator app"}
            </button>
            {!online && <span className="muted">Setting it up needs the server.</span>}
          </div>
        </>
      )}
      {setup.kind === "enrolling" && (
        <div className="two-step-steps" ref={stepsRef} tabIndex={-1}>
          <ol>
            <li>
              In your authenticator app, add an account by scanning this code (it is shown only now):
              <QrCode className="two-step-qr" text={setup.enrollment.otpauth_uri} label={QR_LABEL} />
              or by entering this key:
              <code className="two-step-secret" data-testid="two-step-secret">
                {groupSecret(setup.enrollment.secret)}
              </code>
            </li>
            <li>
              Or, if the app takes a setup link, give it this one:
              <code className="two-step-uri" data-testid="two-step-uri">
                {setup.enrollment.otpauth_uri}
              </code>
            </li>
            <li>Type the code the app now shows for Rounds.</li>
          </ol>
          <form className="two-step-confirm" aria-label="Turn on two-step sign-in" onSubmit={turnOn}>
            <CodeField
              id="two-step-code"
              inputRef={codeRef}
              value={code}
              onChange={setCode}
              readOnly={confirming}
              errorId={error ? "two-step-error" : undefined}
            />
            <div className="form-actions">
              <button type="submit" className="button button-primary" disabled={confirming}>
                {confirming ? "Turning on…" : "Turn on"}
              </button>
            </div>
          </form>
        </div>
      )}
      {error && (
        <p id="two-step-error" className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

import "./help.css";
import { KEYMAP, type KeySection, type Scope } from "../../lib/keymap";
import { Modal } from "../common/Modal";
import { ShortcutKeys } from "./KeyHints";

interface Props {
  /** The keys of the screen shown, listed first. */
  scopes: readonly Scope[];
  onClose: () => void;
}

/** `?`: every keyboard shortcut, from the keymap; the screen's own first. Esc closes. */
export function ShortcutHelp({ scopes, onClose }: Props) {
  const order = [...scopes, ...(Object.keys(KEYMAP) as Scope[]).filter((s) => !scopes.includes(s))];
  return (
    <Modal titleId="shortcut-help-title" title="Keyboard shortcuts" className="shortcut-help" testId="shortcut-help" onClose={onClose}>
      <div className="shortcut-help-sections">
        {order.map((scope) => {
          const section: KeySection = KEYMAP[scope];
          return (
            <section key={scope} className="shortcut-help-section" aria-labelledby={`keys-${scope}`}>
              <h3 id={`keys-${scope}`}>{section.title}</h3>
              <dl>
                {Object.entries(section.shortcuts).map(([action, s]) => (
                  <div key={action} className="shortcut-help-row">
                    <dt>
                      <ShortcutKeys shortcut={s} />
                    </dt>
                    <dd>{s.does}</dd>
                  </div>
                ))}
              </dl>
            </section>
          );
        })}
      </div>
      <p className="shortcut-help-note">Single keys rest while you type in a field. Esc closes.</p>
    </Modal>
  );
}

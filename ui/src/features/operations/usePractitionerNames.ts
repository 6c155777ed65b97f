import { useEffect, useState } from "react";
import type { Practitioner } from "../../bindings/Practitioner";
import { directory } from "../../lib/ipc";

/**
 * Practitioner names by id: the signed-in user, and the directory when it can be read (read
 * again when `refreshKey` changes, say after each sync round). Not worth an error banner when it
 * cannot be read: callers say "a colleague" instead.
 */
export function usePractitionerNames(me: Practitioner, refreshKey: string | null): ReadonlyMap<string, string> {
  const [names, setNames] = useState<ReadonlyMap<string, string>>(() => new Map([[me.id, me.display_name]]));
  useEffect(() => {
    let current = true;
    directory().then(
      (entries) => {
        if (!current) return;
        const known = new Map(entries.map((e) => [e.practitioner.id, e.practitioner.display_name] as const));
        known.set(me.id, me.display_name);
        setNames(known);
      },
      () => {
        // Kept as it was: the directory may be read at the next refresh.
      },
    );
    return () => {
      current = false;
    };
  }, [me.id, me.display_name, refreshKey]);
  return names;
}

import { useMemo } from "react";
import type { Practitioner } from "../../bindings/Practitioner";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { directory } from "../../lib/ipc";

/**
 * Practitioner names by id: the signed-in user, and the directory when it can be read (the same
 * answer as the directory screen's, read again after each sync round). Not worth an error banner
 * when it cannot be read: callers say "a colleague" instead.
 */
export function usePractitionerNames(me: Practitioner): ReadonlyMap<string, string> {
  const { data: entries } = useRead(queryKeys.directory(), directory);
  return useMemo(() => {
    const known = new Map((entries ?? []).map((e) => [e.practitioner.id, e.practitioner.display_name] as const));
    known.set(me.id, me.display_name);
    return known;
  }, [entries, me.id, me.display_name]);
}

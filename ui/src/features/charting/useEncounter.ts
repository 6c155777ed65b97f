import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Draft } from "../../bindings/Draft";
import type { EncounterView } from "../../bindings/EncounterView";
import type { Section } from "../../bindings/Section";
import type { SectionConflict } from "../../bindings/SectionConflict";
import type { SectionKey } from "../../bindings/SectionKey";
import { heldSections, holdSection, releaseSection } from "../../lib/heldWork";
import { getEncounter, saveSection, settleSectionConflict, type IpcError } from "../../lib/ipc";
import { useLatest } from "../../lib/useLatest";
import { useSync } from "../sync/SyncContext";
import { SectionSaver, sameJson, type SaveOutcome } from "./autosave";
import { emptyDraft, isSigned, sectionOf, withSection } from "./model";

type PerSection<T> = Partial<Record<SectionKey, T>>;

export interface EncounterApi {
  /** The latest EncounterView the core returned: pages, note, blockers, flags… */
  view: EncounterView;
  /** The draft as the clinician sees it: the view's, with what is still being saved on top. */
  draft: Draft;
  /** Autosaves one section (whole). The page shows it at once. */
  update: (section: Section) => Promise<SaveOutcome>;
  /** Why the last save of a section was refused, while what is shown is not saved. */
  refusals: PerSection<IpcError>;
  saving: boolean;
  /** Resolves when every save has answered. */
  flush: () => Promise<void>;
  /** A command other than save_section answered (sign, addendum): show its view. */
  accept: (view: EncounterView) => void;
  /** Keep theirs (null) or save this version of a conflicted section. */
  settle: (conflict: SectionConflict, section: Section | null) => Promise<void>;
  /** Edit merge: the page shows ours, and its next save settles the conflict with the edit. */
  startMerge: (conflict: SectionConflict) => void;
  /** Sections being merged (their next save settles the conflict). */
  merging: PerSection<number>;
}

/**
 * The open encounter: the view from the core plus local overrides for sections whose saves have
 * not answered (or were refused), so that typing is never replaced by an older answer.
 *
 * Saves refused because Rounds locked are held outside React (the lock unmounts this screen):
 * opening the visit again shows them over the draft from the core and saves them again.
 */
export function useEncounter(initial: EncounterView, onError?: (error: IpcError) => void): EncounterApi {
  const encounterId = initial.encounter.id;
  const [view, setView] = useState(initial);
  // Typed as Rounds locked: what the clinician typed wins over the core's older draft.
  const [held] = useState(() => (isSigned(initial.encounter.status) ? [] : heldSections(encounterId)));
  const [overrides, setOverrides] = useState<PerSection<Section>>(() => bySection(held));
  const [refusals, setRefusals] = useState<PerSection<IpcError>>({});
  const [saving, setSaving] = useState(false);
  // Read by the saver between renders, so a ref holds the truth and the state mirrors it.
  const mergingRef = useRef<PerSection<number>>({});
  const [merging, setMergingState] = useState<PerSection<number>>({});
  const setMerging = useCallback((next: (m: PerSection<number>) => PerSection<number>) => {
    mergingRef.current = next(mergingRef.current);
    setMergingState(mergingRef.current);
  }, []);
  const refusalsRef = useLatest(refusals);
  const onErrorRef = useLatest(onError);

  /** Answers may arrive out of order; an older encounter version never replaces a newer one. */
  const acceptView = useCallback((next: EncounterView) => {
    setView((current) => (next.encounter.version < current.encounter.version ? current : next));
  }, []);

  const saverRef = useRef<SectionSaver | null>(null);
  if (saverRef.current === null) {
    saverRef.current = new SectionSaver(
      async (section) => {
        const seq = mergingRef.current[section.section];
        if (seq === undefined) return saveSection(encounterId, section);
        const settled = await settleSectionConflict(seq, section);
        setMerging((m) => without(m, section.section));
        return settled;
      },
      {
        onSaved: (key, next, sent, busy) => {
          // The core has this section as typed (or a newer value is on its way).
          releaseSection(encounterId, key);
          acceptView(next);
          if (busy) return;
          setRefusals((r) => without(r, key));
          // Drop the override once the core holds exactly what is shown.
          setOverrides((o) => {
            const mine = o[key];
            const saved = next.encounter.draft ? sectionOf(next.encounter.draft, key) : null;
            if (!mine || !saved || !sameJson(mine, sent) || !sameJson(saved, sent)) return o;
            return without(o, key);
          });
        },
        onRefused: (key, error, sent, busy) => {
          // Locked: this screen is going away, the typing must not. Any other refusal is shown here.
          if (error.code === "locked") holdSection(encounterId, sent);
          else releaseSection(encounterId, key);
          if (!busy) setRefusals((r) => ({ ...r, [key]: error }));
          onErrorRef.current?.(error);
        },
        onBusyChange: setSaving,
      },
    );
  }
  const saver = saverRef.current;

  const update = useCallback(
    (section: Section) => {
      setOverrides((o) => ({ ...o, [section.section]: section }));
      setRefusals((r) => without(r, section.section));
      return saver.save(section);
    },
    [saver],
  );

  // Back from a lock: the held sections go to the core through the same saver, once.
  const replayed = useRef(false);
  useEffect(() => {
    if (replayed.current) return;
    replayed.current = true;
    for (const section of held) void saver.save(section);
  }, [held, saver]);

  const flush = useCallback(() => saver.idle(), [saver]);

  const settle = useCallback(
    async (conflict: SectionConflict, section: Section | null) => {
      await saver.idle();
      const next = await settleSectionConflict(conflict.client_seq, section);
      setMerging((m) => without(m, conflict.section));
      setOverrides((o) => without(o, conflict.section));
      setRefusals((r) => without(r, conflict.section));
      acceptView(next);
    },
    [saver, acceptView, setMerging],
  );

  const startMerge = useCallback(
    (conflict: SectionConflict) => {
      setMerging((m) => ({ ...m, [conflict.section]: conflict.client_seq }));
      setOverrides((o) => ({ ...o, [conflict.section]: conflict.ours }));
    },
    [setMerging],
  );

  // After each sync round, read the encounter again: a conflict found by the server (or a
  // change from another device) shows without reopening. Sections being saved keep what is shown.
  const { status } = useSync();
  const syncedAt = status?.last_synced_at ?? null;
  const firstSync = useRef(syncedAt);
  useEffect(() => {
    if (!syncedAt || syncedAt === firstSync.current) return;
    let current = true;
    if (saver.isBusy()) return;
    getEncounter(encounterId).then(
      (next) => {
        if (!current || saver.isBusy()) return;
        acceptView(next);
        setOverrides((o) => {
          const kept: PerSection<Section> = {};
          for (const [key, section] of Object.entries(o) as Array<[SectionKey, Section]>) {
            if (refusalsRef.current[key] || mergingRef.current[key] !== undefined) kept[key] = section;
          }
          return kept;
        });
      },
      () => {
        // A failed refresh keeps what is shown; the next round tries again.
      },
    );
    return () => {
      current = false;
    };
  }, [syncedAt, encounterId, saver, acceptView, refusalsRef]);

  const draft = useMemo(() => {
    let d = view.encounter.draft ?? emptyDraft(view);
    if (isSigned(view.encounter.status)) return d;
    for (const section of Object.values(overrides)) if (section) d = withSection(d, section);
    return d;
  }, [view, overrides]);

  return { view, draft, update, refusals, saving, flush, accept: acceptView, settle, startMerge, merging };
}

function bySection(sections: readonly Section[]): PerSection<Section> {
  const all: PerSection<Section> = {};
  for (const section of sections) all[section.section] = section;
  return all;
}

function without<T>(record: PerSection<T>, key: SectionKey): PerSection<T> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}

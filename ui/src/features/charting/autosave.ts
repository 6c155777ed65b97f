import type { EncounterView } from "../../bindings/EncounterView";
import type { Section } from "../../bindings/Section";
import type { SectionKey } from "../../bindings/SectionKey";
import { toIpcError, type IpcError } from "../../lib/ipc";

export type SaveOutcome =
  | { kind: "saved"; view: EncounterView }
  | { kind: "refused"; error: IpcError }
  /** A newer value of the same section was typed before this one was sent: only that is sent. */
  | { kind: "superseded" };

export interface SaverEvents {
  /** The core saved `sent`. `busy` says whether a newer value of the section is already on its way. */
  onSaved: (key: SectionKey, view: EncounterView, sent: Section, busy: boolean) => void;
  onRefused: (key: SectionKey, error: IpcError, sent: Section, busy: boolean) => void;
  /** Something started or finished. */
  onBusyChange: (busy: boolean) => void;
}

interface Pending {
  section: Section;
  waiters: Array<(outcome: SaveOutcome) => void>;
}

interface Slot {
  inFlight: boolean;
  pending: Pending | null;
}

/**
 * Autosave with one call in flight per section. While a section is being saved, only its newest
 * value waits; older waiting values are dropped (each save carries the whole section, so the
 * newest one holds everything typed). Sections do not wait for each other.
 */
export class SectionSaver {
  private readonly slots = new Map<SectionKey, Slot>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly send: (section: Section) => Promise<EncounterView>,
    private readonly events: SaverEvents,
  ) {}

  save(section: Section): Promise<SaveOutcome> {
    const slot = this.slot(section.section);
    const wasBusy = this.isBusy();
    const outcome = new Promise<SaveOutcome>((resolve) => {
      for (const waiter of slot.pending?.waiters ?? []) waiter({ kind: "superseded" });
      slot.pending = { section, waiters: [resolve] };
    });
    this.dispatch(section.section);
    if (!wasBusy) this.events.onBusyChange(true);
    return outcome;
  }

  isBusy(key?: SectionKey): boolean {
    if (key) {
      const slot = this.slots.get(key);
      return slot !== undefined && (slot.inFlight || slot.pending !== null);
    }
    for (const slot of this.slots.values()) if (slot.inFlight || slot.pending) return true;
    return false;
  }

  /** Resolves once nothing is waiting or in flight (at once when idle already). */
  idle(): Promise<void> {
    if (!this.isBusy()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private slot(key: SectionKey): Slot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { inFlight: false, pending: null };
      this.slots.set(key, slot);
    }
    return slot;
  }

  private dispatch(key: SectionKey) {
    const slot = this.slot(key);
    if (slot.inFlight || !slot.pending) return;
    const { section, waiters } = slot.pending;
    slot.pending = null;
    slot.inFlight = true;
    Promise.resolve()
      .then(() => this.send(section))
      .then(
        (view) => this.finish(key, section, waiters, { kind: "saved", view }),
        (caught: unknown) => this.finish(key, section, waiters, { kind: "refused", error: toIpcError(caught) }),
      );
  }

  private finish(key: SectionKey, sent: Section, waiters: Pending["waiters"], outcome: SaveOutcome) {
    this.slot(key).inFlight = false;
    // The newest value typed meanwhile goes now, before anyone looks at this answer.
    this.dispatch(key);
    const busy = this.isBusy(key);
    if (outcome.kind === "saved") this.events.onSaved(key, outcome.view, sent, busy);
    else if (outcome.kind === "refused") this.events.onRefused(key, outcome.error, sent, busy);
    for (const waiter of waiters) waiter(outcome);
    if (!this.isBusy()) {
      this.events.onBusyChange(false);
      const waiting = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiting) resolve();
    }
  }
}

/** Deep equality of JSON-shaped values, ignoring key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson(ra[k], rb[k]));
}

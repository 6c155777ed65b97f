import type { StateCoverage } from "../../bindings/StateCoverage";

export type CoverageSort = "thinnest" | "state" | "overdue";

/** Work waiting and nobody licensed there on duty to take it. */
export function isUncovered(row: StateCoverage): boolean {
  return Number(row.waiting) > 0 && Number(row.on_duty) === 0;
}

/** Waiting tasks per clinician on duty; Infinity when work waits and nobody is on duty. */
export function load(row: StateCoverage): number {
  const waiting = Number(row.waiting);
  const onDuty = Number(row.on_duty);
  if (waiting === 0) return 0;
  return onDuty === 0 ? Number.POSITIVE_INFINITY : waiting / onDuty;
}

function byState(a: StateCoverage, b: StateCoverage): number {
  return a.state.localeCompare(b.state);
}

/**
 * Thinnest coverage first: states with work and nobody on duty (most waiting first), then by
 * waiting per on-duty clinician, then more overdue; states with nothing waiting last.
 */
function thinnest(a: StateCoverage, b: StateCoverage): number {
  const la = load(a);
  const lb = load(b);
  if (la !== lb) return lb > la ? 1 : -1;
  const waiting = Number(b.waiting) - Number(a.waiting);
  if (waiting !== 0) return waiting;
  const overdue = Number(b.overdue) - Number(a.overdue);
  if (overdue !== 0) return overdue;
  return byState(a, b);
}

function mostOverdue(a: StateCoverage, b: StateCoverage): number {
  const overdue = Number(b.overdue) - Number(a.overdue);
  if (overdue !== 0) return overdue;
  return thinnest(a, b);
}

export function sortCoverage(rows: readonly StateCoverage[], sort: CoverageSort): StateCoverage[] {
  const compare = sort === "state" ? byState : sort === "overdue" ? mostOverdue : thinnest;
  return [...rows].sort(compare);
}

/** "2.5" waiting per clinician; "—" with nothing waiting; null when nobody is on duty. */
export function loadLabel(row: StateCoverage): string | null {
  const l = load(row);
  if (l === Number.POSITIVE_INFINITY) return null;
  if (l === 0) return "—";
  return Number.isInteger(l) ? String(l) : l.toFixed(1);
}

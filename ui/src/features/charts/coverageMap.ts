/** How the coverage map colours a state: by its thinnest coverage, the same reading as the table. */
import type { StateCoverage } from "../../bindings/StateCoverage";
import { isUncovered, load } from "../operations/coverage";

/** More waiting than this per clinician on duty is stretched. */
export const STRETCHED_PER_CLINICIAN = 5;

export type CoverageLevel = "gap" | "stretched" | "covered" | "clear" | "none";

/** In the legend's order, worst first. */
export const LEVELS: ReadonlyArray<{ level: CoverageLevel; label: string }> = [
  { level: "gap", label: "Work waiting, nobody on duty" },
  { level: "stretched", label: `More than ${STRETCHED_PER_CLINICIAN} waiting per clinician on duty` },
  { level: "covered", label: "Work waiting, covered" },
  { level: "clear", label: "Nothing waiting" },
  { level: "none", label: "No licensed clinicians" },
];

export function coverageLevel(row: StateCoverage | undefined): CoverageLevel {
  if (!row) return "none";
  if (isUncovered(row)) return "gap";
  if (Number(row.waiting) > 0) return load(row) > STRETCHED_PER_CLINICIAN ? "stretched" : "covered";
  return Number(row.licensed) > 0 ? "clear" : "none";
}

const count = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** What a state says to a screen reader: "Texas: 7 tasks waiting, 3 overdue, nobody on duty (2 licensed)". */
export function stateLabel(name: string, row: StateCoverage | undefined): string {
  if (!row || (Number(row.licensed) === 0 && Number(row.waiting) === 0)) {
    return `${name}: no licensed clinicians, nothing waiting`;
  }
  const waiting = Number(row.waiting);
  const work =
    waiting === 0
      ? "nothing waiting"
      : `${count(waiting, "task", "tasks")} waiting${Number(row.overdue) > 0 ? `, ${Number(row.overdue).toLocaleString("en-US")} overdue` : ""}`;
  const onDuty = Number(row.on_duty);
  const staff =
    onDuty === 0
      ? `nobody on duty (${Number(row.licensed).toLocaleString("en-US")} licensed)`
      : `${count(onDuty, "clinician", "clinicians")} on duty of ${Number(row.licensed).toLocaleString("en-US")} licensed`;
  return `${name}: ${work}, ${staff}`;
}

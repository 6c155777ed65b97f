/**
 * The queue-load picture's data, prepared for drawing and reading aloud. The counts come from
 * the core (rounds-domain `trends::queue_load`): each point but the last is a local midnight,
 * the end of the day before it; the last is now.
 */
import type { QueueLoad } from "../../bindings/QueueLoad";
import { queueName } from "../operations/labels";
import type { PlotLine } from "./Plot";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const pad2 = (n: number) => String(n).padStart(2, "0");

/** "Tue 12/01" for the day a point ends (the day before its midnight); "Now" for the last. */
export function pointLabel(load: QueueLoad, index: number): string {
  if (index === load.points.length - 1) return "Now";
  const point = load.points[index];
  if (!point) return "";
  const day = new Date(new Date(point.at).getTime() - 1);
  return `${WEEKDAYS[day.getDay()]} ${pad2(day.getMonth() + 1)}/${pad2(day.getDate())}`;
}

export interface LoadPlot {
  xs: number[];
  lines: PlotLine[];
}

/** Waiting in the accent colour, overdue (a part of waiting) in the alert colour. */
export function loadPlot(load: QueueLoad): LoadPlot {
  return {
    xs: load.points.map((p) => Math.round(new Date(p.at).getTime() / 1000)),
    lines: [
      { label: "Waiting", kind: "line", color: "--accent", values: load.points.map((p) => Number(p.waiting)) },
      { label: "Overdue", kind: "line", color: "--alert", values: load.points.map((p) => Number(p.overdue)) },
    ],
  };
}

const n = (v: number) => v.toLocaleString("en-US");

/**
 * The text alternative: "Nurse practitioner: 12 waiting now, 2 overdue. 4 waiting at the end of
 * Wed 11/26; most 15 at the end of Mon 12/01."
 */
export function describeLoad(load: QueueLoad): string {
  const now = load.points[load.points.length - 1];
  if (!now) return `${queueName(load.queue)}: no data.`;
  const head = `${queueName(load.queue)}: ${n(Number(now.waiting))} waiting now, ${n(Number(now.overdue))} overdue.`;
  const days = load.points.slice(0, -1);
  const first = days[0];
  if (!first) return head;
  let peak = 0;
  days.forEach((p, i) => {
    if (Number(p.waiting) > Number(days[peak]!.waiting)) peak = i;
  });
  const start = `${n(Number(first.waiting))} waiting at the end of ${pointLabel(load, 0)}`;
  const most = Number(days[peak]!.waiting);
  const highest = most > 0 ? `; most ${n(most)} at the end of ${pointLabel(load, peak)}` : "; none at the end of any day";
  return `${head} ${start}${highest}.`;
}

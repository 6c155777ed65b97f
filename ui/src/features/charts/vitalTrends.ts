/**
 * The vital-sign pictures' data, prepared for drawing and for reading aloud. The values, their
 * normal ranges and the direction come from the core (rounds-domain `trends`); nothing here
 * knows a range.
 */
import type { TrendChart } from "../../bindings/TrendChart";
import type { TrendPoint } from "../../bindings/TrendPoint";
import type { TrendSeries } from "../../bindings/TrendSeries";
import { formatMomentDate } from "../../lib/format";
import type { PlotLine } from "./Plot";

/** A number as a clinician writes it: one decimal at most, no trailing ".0". */
export function clinicalNumber(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}

/**
 * What uPlot draws for a chart: x in seconds (readings of the chart's series taken at the same
 * moment, systolic and diastolic, share one x); per series its line, the normal range as a band
 * between two invisible edges (when the core gave a range), and the readings outside the range
 * marked again in the alert colour.
 */
export interface TrendPlot {
  xs: number[];
  lines: PlotLine[];
  bands: Array<[number, number]>;
}

export function trendPlot(chart: TrendChart): TrendPlot {
  const seconds = (p: TrendPoint) => Math.round(new Date(p.at).getTime() / 1000);
  const xs = [...new Set(chart.series.flatMap((s) => s.points.map(seconds)))].sort((a, b) => a - b);
  const lines: PlotLine[] = [];
  const bands: Array<[number, number]> = [];
  chart.series.forEach((s, i) => {
    const at = new Map(s.points.map((p) => [seconds(p), p]));
    const pick = (f: (p: TrendPoint) => number | null) =>
      xs.map((x) => {
        const p = at.get(x);
        return p ? f(p) : null;
      });
    if (s.points.some((p) => p.normal !== null)) {
      bands.push([lines.length, lines.length + 1]);
      lines.push({ label: `${s.label} normal high`, kind: "edge", color: "--accent", values: pick((p) => p.normal?.high ?? null) });
      lines.push({ label: `${s.label} normal low`, kind: "edge", color: "--accent", values: pick((p) => p.normal?.low ?? null) });
    }
    lines.push({ label: s.label, kind: "line", color: "--accent", dashed: i > 0, values: pick((p) => p.value) });
    if (s.points.some((p) => p.flag !== null)) {
      lines.push({ label: `${s.label} outside normal`, kind: "marks", color: "--alert", values: pick((p) => (p.flag ? p.value : null)) });
    }
  });
  return { xs, lines, bands };
}

function rangeText(p: TrendPoint, unit: string): string {
  if (!p.normal) return "";
  const range = `${clinicalNumber(p.normal.low)}–${clinicalNumber(p.normal.high)} ${unit}`;
  if (p.flag === "high") return `, high (normal ${range})`;
  if (p.flag === "low") return `, low (normal ${range})`;
  return `, within normal ${range}`;
}

function trendText(s: TrendSeries): string {
  const before = s.points[s.points.length - 2];
  if (!before || !s.direction) return "";
  const was = clinicalNumber(before.value);
  if (s.direction === "rising") return `; up from ${was}`;
  if (s.direction === "falling") return `; down from ${was}`;
  return `; steady (${was} before)`;
}

/**
 * One series read aloud: "Heart rate 82 /min on 12/01/2026, within normal 60–100 /min; down
 * from 96. 2 readings." The normal range is the one for the patient's age on that day.
 */
export function describeSeries(s: TrendSeries, unit: string): string {
  const latest = s.points[s.points.length - 1];
  if (!latest) return `${s.label}: none recorded.`;
  const when = formatMomentDate(latest.at) ?? latest.at;
  const count = s.points.length === 1 ? "1 reading" : `${s.points.length} readings`;
  return `${s.label} ${clinicalNumber(latest.value)} ${unit} on ${when}${rangeText(latest, unit)}${trendText(s)}. ${count}.`;
}

/** The chart's text alternative: each of its series. */
export function describeChart(chart: TrendChart): string {
  return chart.series.map((s) => describeSeries(s, chart.unit)).join(" ");
}

/** The latest value as the banner shows it: "38.5 °C", "142/84 mmHg"; null with none. */
export function latestText(chart: TrendChart): string | null {
  const latest = chart.series.map((s) => s.points[s.points.length - 1]);
  if (latest.every((p) => p === undefined)) return null;
  const values = latest.map((p) => (p ? clinicalNumber(p.value) : "–")).join("/");
  return `${values} ${chart.unit}`;
}

/** Any series whose latest reading is outside its normal range. */
export function latestFlagged(chart: TrendChart): boolean {
  return chart.series.some((s) => s.points[s.points.length - 1]?.flag != null);
}

export function hasReadings(chart: TrendChart): boolean {
  return chart.series.some((s) => s.points.length > 0);
}

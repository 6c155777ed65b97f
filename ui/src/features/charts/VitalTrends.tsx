import { useMemo } from "react";
import type { TrendChart } from "../../bindings/TrendChart";
import type { VitalTrends as Trends } from "../../bindings/VitalTrends";
import { formatMomentDate } from "../../lib/format";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { vitalTrends } from "../../lib/ipc";
import { Plot } from "./Plot";
import { asDeviceRead, type DeviceRead } from "./useDeviceRead";
import {
  clinicalNumber,
  describeChart,
  hasReadings,
  latestFlagged,
  latestText,
  trendPlot,
} from "./vitalTrends";

/** The patient's trends, read again after each sync round (a note signed elsewhere arrives). */
export function useVitalTrends(patientId: string): DeviceRead<Trends> {
  return asDeviceRead(useRead<Trends>(queryKeys.vitalTrends(patientId), () => vitalTrends(patientId)));
}

function ChartPlot({ chart, height, compact }: { chart: TrendChart; height: number; compact?: boolean }) {
  const plot = useMemo(() => trendPlot(chart), [chart]);
  return <Plot xs={plot.xs} lines={plot.lines} bands={plot.bands} height={height} compact={compact ?? false} />;
}

/** The readings behind a chart, as a table (collapsed under "Readings"). */
function Readings({ chart }: { chart: TrendChart }) {
  const rows = [...new Set(chart.series.flatMap((s) => s.points.map((p) => p.at)))].sort().reverse();
  return (
    <details className="trend-readings">
      <summary>Readings</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Date</th>
            {chart.series.map((s) => (
              <th scope="col" key={s.kind} className="num">
                {s.label} ({chart.unit})
              </th>
            ))}
            <th scope="col">Normal for age</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((at) => {
            const points = chart.series.map((s) => s.points.find((p) => p.at === at));
            const ranges = points
              .map((p) => (p?.normal ? `${clinicalNumber(p.normal.low)}–${clinicalNumber(p.normal.high)}` : null))
              .filter((r) => r !== null);
            return (
              <tr key={at}>
                <th scope="row">{formatMomentDate(at) ?? at}</th>
                {points.map((p, i) => (
                  <td key={chart.series[i]!.kind} className={p?.flag ? "num is-flagged" : "num"}>
                    {p ? clinicalNumber(p.value) : "—"}
                    {p?.flag && <span className="visually-hidden"> ({p.flag})</span>}
                  </td>
                ))}
                <td>{ranges.length > 0 ? ranges.join(" / ") : "—"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}

/**
 * The vitals page's trends: temperature, heart rate, blood pressure and weight over the
 * patient's signed visits, the normal range for their age drawn as a band, each with its text
 * alternative and its readings. The charting screen reads them once as the chart opens, so
 * moving between pages never waits for the core.
 */
export function VitalsTrendsPanel({ read }: { read: DeviceRead<Trends> }) {
  if (read.kind === "loading") return null;
  if (read.kind === "failed") {
    return (
      <p className="muted trends-note" data-testid="vital-trends-failed">
        Earlier vitals could not be read: {read.error.message}
      </p>
    );
  }
  const trends = read.value;
  const any = trends.charts.some(hasReadings);
  return (
    <section className="vital-trends" aria-labelledby="vital-trends-title" data-testid="vital-trends">
      <h2 id="vital-trends-title" className="trends-title">
        Earlier visits
      </h2>
      {!any ? (
        <p className="muted">No vitals in signed visits yet: trends appear once a visit with vitals is signed.</p>
      ) : (
        <>
          <p className="muted trends-note">
            From signed visits. The shaded band is the normal range for {trends.band_label} at each visit; readings outside
            it are marked.
          </p>
          <div className="trends-grid">
            {trends.charts.map((chart) => (
              <figure className="trend" key={chart.chart} data-testid={`trend-${chart.chart}`}>
                <figcaption>
                  <span className="trend-name">{chart.title}</span>
                  <span className={latestFlagged(chart) ? "trend-latest is-flagged" : "trend-latest"}>
                    {latestText(chart) ?? "None recorded"}
                  </span>
                </figcaption>
                {hasReadings(chart) && <ChartPlot chart={chart} height={120} />}
                <p className="trend-summary" data-testid="trend-summary">
                  {describeChart(chart)}
                </p>
                {hasReadings(chart) && <Readings chart={chart} />}
              </figure>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

const SHORT: Record<TrendChart["chart"], string> = {
  temperature: "Temp",
  heart_rate: "HR",
  blood_pressure: "BP",
  weight: "Weight",
};

/**
 * Small trends on the patient banner: latest value and a sparkline per vital sign with
 * readings; nothing at all when the patient has none (or they cannot be read).
 */
export function BannerTrends({ patientId }: { patientId: string }) {
  const read = useVitalTrends(patientId);
  if (read.kind !== "loaded") return null;
  const charts = read.value.charts.filter(hasReadings);
  if (charts.length === 0) return null;
  return (
    <ul className="banner-trends" aria-label="Vital sign trends from signed visits" data-testid="banner-trends">
      {charts.map((chart) => (
        <li key={chart.chart} className="banner-trend" data-testid={`banner-trend-${chart.chart}`}>
          <span className="banner-trend-text" aria-hidden="true">
            <abbr className="trend-name" title={chart.title}>
              {SHORT[chart.chart]}
            </abbr>{" "}
            <span className={latestFlagged(chart) ? "trend-latest is-flagged" : "trend-latest"}>{latestText(chart)}</span>
          </span>
          <ChartPlot chart={chart} height={28} compact />
          <span className="visually-hidden">{describeChart(chart)}</span>
        </li>
      ))}
    </ul>
  );
}

import { useEffect, useRef } from "react";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./charts.css";

/** One drawn column: a line with its points, the edge of a band, or points alone (flags). */
export interface PlotLine {
  label: string;
  values: Array<number | null>;
  kind: "line" | "edge" | "marks";
  /** A CSS variable of the theme, e.g. "--accent". */
  color: string;
  dashed?: boolean;
}

export interface PlotProps {
  /** Seconds since the epoch, ascending. */
  xs: number[];
  lines: PlotLine[];
  /** Filled between two lines: [index of the high edge, index of the low edge] in `lines`. */
  bands?: Array<[number, number]>;
  height: number;
  /** No axes: a sparkline. */
  compact?: boolean;
  /** The y scale starts at zero (counts). */
  fromZero?: boolean;
  className?: string;
}

/**
 * Canvas needs a real layout engine: jsdom has neither canvas nor matchMedia (which uPlot reads
 * as it starts), so tests check the data and the text alternative, and the end-to-end run looks
 * at the pictures.
 */
function canDraw(): boolean {
  return typeof window.matchMedia === "function" && typeof ResizeObserver === "function";
}

function themeColor(el: Element, variable: string): string {
  return getComputedStyle(el).getPropertyValue(variable).trim() || "#56616c";
}

/** A soft fill of a theme colour (the band of normal values). */
function soft(color: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}24` : color;
}

/**
 * A uPlot chart, hidden from screen readers: every picture that uses it carries its own text
 * alternative beside it. uPlot is loaded on first use, so screens without a chart do not pay
 * for it.
 */
export function Plot({ xs, lines, bands = [], height, compact = false, fromZero = false, className }: PlotProps) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el || !canDraw() || xs.length === 0) return;
    let plot: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    void import("uplot").then(({ default: UPlot }) => {
      if (cancelled) return;
      const muted = themeColor(el, "--text-muted");
      const grid = themeColor(el, "--border");
      const series: uPlot.Series[] = [
        {},
        ...lines.map((line): uPlot.Series => {
          const color = themeColor(el, line.color);
          if (line.kind === "edge") {
            return { label: line.label, stroke: "transparent", points: { show: false }, spanGaps: true };
          }
          if (line.kind === "marks") {
            return {
              label: line.label,
              stroke: color,
              fill: color,
              paths: () => null,
              points: { show: true, size: compact ? 5 : 7, stroke: color, fill: color },
            };
          }
          return {
            label: line.label,
            stroke: color,
            width: compact ? 1.5 : 2,
            spanGaps: true,
            ...(line.dashed ? { dash: [5, 4] } : {}),
            points: { show: !compact || xs.length === 1, size: compact ? 4 : 6, stroke: color, fill: color },
          };
        }),
      ];
      const axis = (): uPlot.Axis => ({
        stroke: muted,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        font: "12px system-ui, sans-serif",
      });
      const opts: uPlot.Options = {
        width: Math.max(el.clientWidth, 80),
        height,
        legend: { show: false },
        cursor: { show: false },
        padding: compact ? [3, 3, 3, 3] : [8, 8, 0, 0],
        series,
        bands: bands.map(([high, low]) => ({
          series: [high + 1, low + 1] as [number, number],
          fill: soft(themeColor(el, lines[high]?.color ?? "--accent")),
        })),
        scales: {
          // One reading: half a day either side, so it sits in the middle rather than nowhere.
          x: { time: true, range: (_u, min, max) => (min === max ? [min - 43_200, max + 43_200] : [min, max]) },
          ...(fromZero ? { y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } } : {}),
        },
        axes: compact ? [{ show: false }, { show: false }] : [axis(), { ...axis(), size: 44 }],
      };
      plot = new UPlot(opts, [xs, ...lines.map((l) => l.values)] as uPlot.AlignedData, el);
      observer = new ResizeObserver(() => plot?.setSize({ width: Math.max(el.clientWidth, 80), height }));
      observer.observe(el);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [xs, lines, bands, height, compact, fromZero]);

  return <div ref={box} className={className ? `plot ${className}` : "plot"} aria-hidden="true" data-testid="plot" />;
}

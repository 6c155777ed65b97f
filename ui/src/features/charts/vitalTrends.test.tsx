import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { TrendChart } from "../../bindings/TrendChart";
import type { TrendPoint } from "../../bindings/TrendPoint";
import type { VitalTrends } from "../../bindings/VitalTrends";
import { installCore } from "../../test/fakeCore";
import { BannerTrends, VitalsTrendsPanel } from "./VitalTrends";
import { clinicalNumber, describeChart, describeSeries, latestText, trendPlot } from "./vitalTrends";
import { WithQueries } from "../../test/query";

const point = (at: string, value: number, normal: [number, number] | null, flag: TrendPoint["flag"] = null): TrendPoint => ({
  at,
  value,
  normal: normal ? { low: normal[0], high: normal[1] } : null,
  flag,
});

const TEMPERATURE: TrendChart = {
  chart: "temperature",
  title: "Temperature",
  unit: "°C",
  series: [
    {
      kind: "temperature",
      label: "Temperature",
      points: [
        point("2026-11-02T15:00:00Z", 38.5, [36, 37.9], "high"),
        point("2026-11-20T15:00:00Z", 37, [36, 37.9]),
      ],
      direction: "falling",
    },
  ],
};

const BLOOD_PRESSURE: TrendChart = {
  chart: "blood_pressure",
  title: "Blood pressure",
  unit: "mmHg",
  series: [
    {
      kind: "systolic",
      label: "Systolic pressure",
      points: [point("2026-11-02T15:00:00Z", 128, [90, 139]), point("2026-11-20T15:00:00Z", 142, [90, 139], "high")],
      direction: "rising",
    },
    {
      kind: "diastolic",
      label: "Diastolic pressure",
      points: [point("2026-11-20T15:00:00Z", 84, [60, 89])],
      direction: null,
    },
  ],
};

const EMPTY = (chart: TrendChart["chart"], title: string, unit: string, kind: TrendChart["series"][number]["kind"]): TrendChart => ({
  chart,
  title,
  unit,
  series: [{ kind, label: title, points: [], direction: null }],
});

const WEIGHT: TrendChart = {
  chart: "weight",
  title: "Weight",
  unit: "kg",
  series: [
    {
      kind: "weight",
      label: "Weight",
      points: [point("2026-11-02T15:00:00Z", 80, null), point("2026-11-20T15:00:00Z", 78.5, null)],
      direction: "falling",
    },
  ],
};

const TRENDS: VitalTrends = {
  band: "adult",
  band_label: "an adult",
  charts: [TEMPERATURE, EMPTY("heart_rate", "Heart rate", "/min", "heart_rate"), BLOOD_PRESSURE, WEIGHT],
};

const NONE: VitalTrends = {
  band: "infant",
  band_label: "an infant",
  charts: [
    EMPTY("temperature", "Temperature", "°C", "temperature"),
    EMPTY("heart_rate", "Heart rate", "/min", "heart_rate"),
    { ...BLOOD_PRESSURE, series: BLOOD_PRESSURE.series.map((s) => ({ ...s, points: [], direction: null })) },
    EMPTY("weight", "Weight", "kg", "weight"),
  ],
};

describe("vital trends: what is drawn", () => {
  it("shares one x per moment, draws each range as a band and marks readings outside it", () => {
    const plot = trendPlot(BLOOD_PRESSURE);
    expect(plot.xs).toEqual([Date.parse("2026-11-02T15:00:00Z") / 1000, Date.parse("2026-11-20T15:00:00Z") / 1000]);
    expect(plot.lines.map((l) => [l.label, l.kind])).toEqual([
      ["Systolic pressure normal high", "edge"],
      ["Systolic pressure normal low", "edge"],
      ["Systolic pressure", "line"],
      ["Systolic pressure outside normal", "marks"],
      ["Diastolic pressure normal high", "edge"],
      ["Diastolic pressure normal low", "edge"],
      ["Diastolic pressure", "line"],
    ]);
    expect(plot.bands).toEqual([
      [0, 1],
      [4, 5],
    ]);
    expect(plot.lines[3]!.values).toEqual([null, 142]);
    // Diastolic was taken only at the second visit; its line is dashed to tell it from systolic.
    expect(plot.lines[6]!.values).toEqual([null, 84]);
    expect(plot.lines[6]!.dashed).toBe(true);
    expect(plot.lines[4]!.values).toEqual([null, 89]);
  });

  it("draws no band where the core gives no range (weight)", () => {
    const plot = trendPlot(WEIGHT);
    expect(plot.bands).toEqual([]);
    expect(plot.lines.map((l) => l.kind)).toEqual(["line"]);
    expect(plot.lines[0]!.values).toEqual([80, 78.5]);
  });
});

describe("vital trends: the text alternative", () => {
  it("says the latest value, its range for the patient's age and the trend", () => {
    expect(describeSeries(TEMPERATURE.series[0]!, "°C")).toBe(
      "Temperature 37 °C on 11/20/2026, within normal 36–37.9 °C; down from 38.5. 2 readings.",
    );
    expect(describeChart(BLOOD_PRESSURE)).toBe(
      "Systolic pressure 142 mmHg on 11/20/2026, high (normal 90–139 mmHg); up from 128. 2 readings. " +
        "Diastolic pressure 84 mmHg on 11/20/2026, within normal 60–89 mmHg. 1 reading.",
    );
    expect(describeSeries(NONE.charts[0]!.series[0]!, "°C")).toBe("Temperature: none recorded.");
    expect(latestText(BLOOD_PRESSURE)).toBe("142/84 mmHg");
    expect(latestText(NONE.charts[0]!)).toBeNull();
    expect(clinicalNumber(37.777)).toBe("37.8");
    expect(clinicalNumber(80)).toBe("80");
  });
});

describe("vital trends on screen", () => {
  it("the vitals page shows each chart with its summary and its readings as a table", async () => {
    render(<VitalsTrendsPanel read={{ kind: "loaded", value: TRENDS }} />);
    const panel = await screen.findByTestId("vital-trends");
    expect(within(panel).getByText(/normal range for an adult/)).toBeInTheDocument();

    const temp = screen.getByTestId("trend-temperature");
    expect(within(temp).getByTestId("trend-summary")).toHaveTextContent("Temperature 37 °C on 11/20/2026");
    expect(within(temp).getByTestId("plot")).toHaveAttribute("aria-hidden", "true");
    await userEvent.setup().click(within(temp).getByText("Readings"));
    const rows = within(temp).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getAllByRole("cell").map((c) => c.textContent))).toEqual([
      ["37", "36–37.9"],
      ["38.5 (high)", "36–37.9"],
    ]);

    // No readings: a sentence, no picture.
    const hr = screen.getByTestId("trend-heart_rate");
    expect(within(hr).queryByTestId("plot")).toBeNull();
    expect(within(hr).getByTestId("trend-summary")).toHaveTextContent("Heart rate: none recorded.");
  });

  it("says so when no signed visit has vitals yet", async () => {
    render(<VitalsTrendsPanel read={{ kind: "loaded", value: NONE }} />);
    expect(await screen.findByText(/No vitals in signed visits yet/)).toBeInTheDocument();
    expect(screen.queryByTestId("plot")).toBeNull();
  });

  it("the banner shows a sparkline per vital with readings, each read aloud, and nothing without any", async () => {
    const core = installCore({ vital_trends: () => TRENDS });
    const { unmount } = render(<BannerTrends patientId="pt-mia" />, { wrapper: WithQueries });
    const list = await screen.findByRole("list", { name: "Vital sign trends from signed visits" });
    expect(core.argsOf("vital_trends")).toEqual([{ patientId: "pt-mia" }]);
    const items = within(list).getAllByRole("listitem");
    expect(items.map((i) => i.getAttribute("data-testid"))).toEqual([
      "banner-trend-temperature",
      "banner-trend-blood_pressure",
      "banner-trend-weight",
    ]);
    expect(items[1]).toHaveTextContent("Systolic pressure 142 mmHg on 11/20/2026, high (normal 90–139 mmHg)");
    expect(within(items[1]!).getByText("142/84 mmHg")).toHaveClass("is-flagged");
    unmount();

    installCore({ vital_trends: () => NONE });
    const { container } = render(<BannerTrends patientId="pt-mia" />, { wrapper: WithQueries });
    await new Promise((r) => setTimeout(r, 0));
    expect(container).toBeEmptyDOMElement();
  });
});

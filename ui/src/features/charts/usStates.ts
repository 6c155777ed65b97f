/**
 * The shapes of the 50 states and DC, from us-atlas (Census Bureau cartographic boundaries,
 * 1:10m), already projected to Albers USA in a 975 × 610 frame, so d3-geo draws them with the
 * identity projection. Loaded on first use, with d3-geo and topojson-client (about 80 KB and
 * 20 KB), so the other screens never pay for them.
 */
import type { GeometryCollection, Topology } from "topojson-specification";

export const MAP_WIDTH = 975;
export const MAP_HEIGHT = 610;

/** FIPS state code (the atlas's ids) to USPS code (the core's). */
// prettier-ignore
const USPS: Record<string, string> = {
  "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE", "11": "DC",
  "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA", "20": "KS", "21": "KY",
  "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT",
  "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND", "39": "OH",
  "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT",
  "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI", "56": "WY",
};

export interface StateShape {
  /** USPS code, as the core names states. */
  code: string;
  name: string;
  /** SVG path data in the map's frame. */
  d: string;
}

type Atlas = Topology<{ states: GeometryCollection<{ name: string }> }>;

let shapes: Promise<StateShape[]> | null = null;

/** The states' shapes, alphabetical by name (the keyboard's order through the map). */
export function loadStateShapes(): Promise<StateShape[]> {
  shapes ??= Promise.all([import("us-atlas/states-albers-10m.json"), import("d3-geo"), import("topojson-client")]).then(
    ([module, { geoPath }, { feature }]) => {
      const atlas = (module as unknown as { default: Atlas }).default;
      const path = geoPath(null);
      return feature(atlas, atlas.objects.states)
        .features.map((f) => ({
          code: USPS[String(f.id)] ?? String(f.id),
          name: f.properties?.name ?? String(f.id),
          d: path(f) ?? "",
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
  );
  return shapes;
}

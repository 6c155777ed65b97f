import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { QUIET_ZONE, QrCode, qrModules } from "./QrCode";

/** 98 bytes: version 6 at error correction M (it holds up to 106 bytes; version 5, 84). */
const URI = "otpauth://totp/Rounds:ana.ruiz%40clinic.test?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Rounds";
const LABEL = "QR code for your authenticator app";

/** The 7×7 finder pattern: a dark ring, a light ring, a dark 3×3 centre. */
function finderAt(modules: boolean[][], top: number, left: number): boolean[][] {
  return Array.from({ length: 7 }, (_, r) => Array.from({ length: 7 }, (_, c) => modules[top + r]![left + c]!));
}
const FINDER = Array.from({ length: 7 }, (_, r) =>
  Array.from({ length: 7 }, (_, c) => {
    const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
    return ring !== 2;
  }),
);

/** The format information (its copy beside the top-left finder), unmasked: [level bits, mask]. */
function formatInfo(modules: boolean[][]): { bits: number; level: number; mask: number } {
  const n = modules.length;
  let bits = 0;
  for (let i = 0; i < 15; i++) {
    const row = i < 6 ? i : i < 8 ? i + 1 : n - 15 + i;
    if (modules[row]![8]) bits |= 1 << i;
  }
  const data = (bits ^ 0x5412) >> 10;
  return { bits, level: data >> 3, mask: data & 7 };
}

/** The remainder of a 15-bit format word over the BCH generator 0x537: 0 for a valid one. */
function bchRemainder(word: number): number {
  let d = word;
  for (let bit = 14; bit >= 10; bit--) if (d & (1 << bit)) d ^= 0x537 << (bit - 10);
  return d;
}

/** The dark cells an SVG path of "M x y h w v1 h -w z" runs draws, as "row,col". */
function darkCells(d: string): Set<string> {
  const cells = new Set<string>();
  for (const [, x, y, w] of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let i = 0; i < Number(w); i++) cells.add(`${Number(y)},${Number(x) + i}`);
  }
  return cells;
}

describe("QR code", () => {
  it("encodes the setup link in version 6 at level M: 41 modules a side, finders in three corners", () => {
    const modules = qrModules(URI);
    const n = modules.length;
    expect(n).toBe(41);
    expect(modules.every((row) => row.length === n)).toBe(true);

    expect(finderAt(modules, 0, 0)).toEqual(FINDER);
    expect(finderAt(modules, 0, n - 7)).toEqual(FINDER);
    expect(finderAt(modules, n - 7, 0)).toEqual(FINDER);
    // Light separators around them; the timing patterns alternate between them.
    expect(modules[7]!.slice(0, 8).some(Boolean)).toBe(false);
    for (let i = 8; i < n - 8; i++) {
      expect(modules[6]![i]).toBe(i % 2 === 0);
      expect(modules[i]![6]).toBe(i % 2 === 0);
    }
    // The always-dark module beside the bottom-left finder.
    expect(modules[n - 8]![8]).toBe(true);

    // A reader learns the level from the format information: M is 00, and the word is valid.
    const format = formatInfo(modules);
    expect(format.level).toBe(0b00);
    expect(bchRemainder(format.bits ^ 0x5412)).toBe(0);
  });

  it("is as small as the text allows", () => {
    expect(qrModules("Rounds")).toHaveLength(21);
  });

  it("draws the modules as an SVG image, with a quiet zone of 4 light modules", () => {
    render(<QrCode text={URI} label={LABEL} />);
    const svg = screen.getByRole("img", { name: LABEL });
    expect(svg.tagName.toLowerCase()).toBe("svg");
    expect(svg).toHaveAttribute("data-modules", "41");
    expect(svg).toHaveAttribute("viewBox", `0 0 ${41 + 2 * QUIET_ZONE} ${41 + 2 * QUIET_ZONE}`);
    expect(svg.querySelector("rect")).toHaveAttribute("fill", "#fff");

    const drawn = darkCells(svg.querySelector("path")!.getAttribute("d")!);
    const expected = new Set<string>();
    qrModules(URI).forEach((row, r) =>
      row.forEach((dark, c) => {
        if (dark) expected.add(`${r + QUIET_ZONE},${c + QUIET_ZONE}`);
      }),
    );
    expect(drawn).toEqual(expected);
    // Finder corners, where the quiet zone ends.
    expect(drawn.has(`${QUIET_ZONE},${QUIET_ZONE}`)).toBe(true);
    expect(drawn.has(`${QUIET_ZONE},${QUIET_ZONE + 40}`)).toBe(true);
    expect(drawn.has(`${QUIET_ZONE + 40},${QUIET_ZONE}`)).toBe(true);
    expect(drawn.has(`${QUIET_ZONE - 1},${QUIET_ZONE}`)).toBe(false);
  });

  it("encodes other text as UTF-8 bytes", () => {
    // "é" is two bytes in UTF-8: seven of them are 14 bytes, the most version 1-M holds…
    expect(qrModules("ééééééé")).toHaveLength(21);
    // …and one byte more needs version 2 (one byte a character would still fit in version 1).
    expect(qrModules("éééééééa")).toHaveLength(25);
  });
});

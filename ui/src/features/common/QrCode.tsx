import qrcode from "qrcode-generator";
import { useMemo } from "react";

/** Light modules around the code, as the QR standard asks, so that a camera finds its edges. */
export const QUIET_ZONE = 4;

/**
 * The modules of a QR code for `text` (error correction M, the smallest version that holds it),
 * row by row: true is dark. The text goes in as UTF-8 bytes.
 */
export function qrModules(text: string): boolean[][] {
  const qr = qrcode(0, "M");
  // The library takes one byte per character: give it the UTF-8 bytes that way.
  const bytes = Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join("");
  qr.addData(bytes, "Byte");
  qr.make();
  const count = qr.getModuleCount();
  return Array.from({ length: count }, (_, row) => Array.from({ length: count }, (_, col) => qr.isDark(row, col)));
}

/** An SVG path of the dark modules, one run of dark modules in a row per segment, in module units. */
function darkPath(modules: boolean[][], offset: number): string {
  const parts: string[] = [];
  modules.forEach((cells, row) => {
    let col = 0;
    while (col < cells.length) {
      if (!cells[col]) {
        col += 1;
        continue;
      }
      const start = col;
      while (col < cells.length && cells[col]) col += 1;
      parts.push(`M${start + offset} ${row + offset}h${col - start}v1h${start - col}z`);
    }
  });
  return parts.join("");
}

interface Props {
  /** What the code carries. */
  text: string;
  /** What the code is, for screen readers. */
  label: string;
  className?: string;
}

/** A QR code as inline SVG: black on white (also in a dark theme), a quiet zone all around. */
export function QrCode({ text, label, className }: Props) {
  const modules = useMemo(() => qrModules(text), [text]);
  const side = modules.length + 2 * QUIET_ZONE;
  const path = useMemo(() => darkPath(modules, QUIET_ZONE), [modules]);
  return (
    <svg
      className={className}
      role="img"
      aria-label={label}
      viewBox={`0 0 ${side} ${side}`}
      shapeRendering="crispEdges"
      data-modules={modules.length}
    >
      <rect width={side} height={side} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

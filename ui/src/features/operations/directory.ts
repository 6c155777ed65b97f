import type { DirectoryEntry } from "../../bindings/DirectoryEntry";
import type { License } from "../../bindings/License";
import { parseIsoDate, rolesLabel } from "../../lib/format";

export type LicenseFlag = "expired" | "expiring" | null;

function sameLicense(a: License, b: License): boolean {
  return a.state === b.state && a.number === b.number && a.expires_on === b.expires_on;
}

/** The core decides what needs attention (expired, or active and expiring within 30 days). */
export function licenseFlag(entry: DirectoryEntry, license: License): LicenseFlag {
  if (entry.expired.some((l) => sameLicense(l, license))) return "expired";
  if (entry.expiring.some((l) => sameLicense(l, license))) return "expiring";
  return null;
}

/** Whole days from `today` (local calendar) to a "YYYY-MM-DD" date; null when unparseable. */
export function daysUntil(isoDate: string, today: Date = new Date()): number | null {
  const d = parseIsoDate(isoDate);
  if (!d) return null;
  const end = Date.UTC(d.year, d.month - 1, d.day);
  const start = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  return Math.round((end - start) / 86_400_000);
}

export function needsAttention(entry: DirectoryEntry): boolean {
  return entry.expired.length > 0 || entry.expiring.length > 0;
}

/** Every word of the filter appears in the name, email, roles, license states or numbers, or supervisor. */
export function matchesFilter(entry: DirectoryEntry, filter: string): boolean {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const p = entry.practitioner;
  const text = [
    p.display_name,
    p.email,
    rolesLabel(p.roles),
    ...p.licenses.flatMap((l) => [l.state, l.license_type, l.number]),
    entry.supervisor_name ?? "",
  ]
    .join(" ")
    .toLowerCase();
  return words.every((w) => text.includes(w));
}

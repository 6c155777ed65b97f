import type { Channel } from "../bindings/Channel";
import type { Role } from "../bindings/Role";
import type { Sex } from "../bindings/Sex";

export interface CalendarDate {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
}

/**
 * Parses "YYYY-MM-DD" as a calendar date. Deliberately avoids `new Date(iso)`,
 * which reads the string as UTC midnight and shows the previous day in US time
 * zones.
 */
export function parseIsoDate(value: string): CalendarDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const probe = new Date(year, month - 1, day);
  if (probe.getFullYear() !== year || probe.getMonth() !== month - 1 || probe.getDate() !== day) {
    return null;
  }
  return { year, month, day };
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** "2019-04-12" -> "04/12/2019"; anything unparseable is shown as given. */
export function formatDate(iso: string): string {
  const d = parseIsoDate(iso);
  return d ? `${pad2(d.month)}/${pad2(d.day)}/${d.year}` : iso;
}

/** Whole months from birth to `today` (local calendar), or null for bad/future dates. */
function monthsBetween(birth: CalendarDate, today: Date): number {
  let months = (today.getFullYear() - birth.year) * 12 + (today.getMonth() + 1 - birth.month);
  if (today.getDate() < birth.day) months -= 1;
  return months;
}

/**
 * Age as clinicians write it: "7 y"; under 2 years in months ("18 mo");
 * under 1 month in days ("12 d"). Null when the birth date is unusable.
 */
export function formatAge(birthDate: string, today: Date = new Date()): string | null {
  const birth = parseIsoDate(birthDate);
  if (!birth) return null;
  const months = monthsBetween(birth, today);
  if (months < 0) return null;
  if (months >= 24) return `${Math.floor(months / 12)} y`;
  if (months >= 1) return `${months} mo`;
  const start = Date.UTC(birth.year, birth.month - 1, birth.day);
  const end = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  const days = Math.round((end - start) / 86_400_000);
  return days < 0 ? null : `${days} d`;
}

/** "04/12/2019 · 7 y" */
export function formatDobWithAge(birthDate: string, today?: Date): string {
  const age = formatAge(birthDate, today);
  return age ? `${formatDate(birthDate)} · ${age}` : formatDate(birthDate);
}

const SEX_LABELS: Record<Sex, string> = {
  female: "Female",
  male: "Male",
  other: "Other",
  unknown: "Unknown",
};

export function sexLabel(sex: Sex): string {
  return SEX_LABELS[sex] ?? String(sex);
}

export function sexInitial(sex: Sex): string {
  return sexLabel(sex).charAt(0).toUpperCase();
}

const ROLE_LABELS: Record<Role, string> = {
  physician: "Physician",
  nurse_practitioner: "Nurse practitioner",
  physician_assistant: "Physician assistant",
  registered_nurse: "Registered nurse",
  care_coordinator: "Care coordinator",
  admin: "Administrator",
};

export function roleLabel(role: Role): string {
  return ROLE_LABELS[role] ?? String(role);
}

export function rolesLabel(roles: readonly Role[]): string {
  return roles.map(roleLabel).join(", ");
}

/** The titles as clinicians write them after a name, for tight places (the top bar). */
const ROLE_ABBREVIATIONS: Record<Role, string> = {
  physician: "Physician",
  nurse_practitioner: "NP",
  physician_assistant: "PA",
  registered_nurse: "RN",
  care_coordinator: "Care coord.",
  admin: "Admin",
};

export function rolesAbbreviation(roles: readonly Role[]): string {
  return roles.map((r) => ROLE_ABBREVIATIONS[r] ?? String(r)).join(", ");
}

const CHANNEL_LABELS: Record<Channel, string> = {
  sms: "Text message",
  chat: "Chat",
  phone: "Phone call",
  email: "Email",
};

export function channelLabel(channel: Channel): string {
  return CHANNEL_LABELS[channel] ?? String(channel);
}

/** US numbers as "(555) 123-4567"; anything else is shown as stored. */
export function formatPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  const national = digits.length === 11 && digits.startsWith("1") ? digits.slice(1) : digits;
  if (national.length === 10 && /^[+\d\s().-]+$/.test(phone)) {
    return `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
  }
  return phone;
}

export function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}

/**
 * A moment from the core (RFC 3339) as local 24-hour "HH:MM"; earlier days get
 * the date in front ("04/19 22:10"). Null when unparseable.
 */
export function formatClock(iso: string, now: Date = new Date()): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const time = `${pad2(at.getHours())}:${pad2(at.getMinutes())}`;
  const sameDay =
    at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth() && at.getDate() === now.getDate();
  return sameDay ? time : `${pad2(at.getMonth() + 1)}/${pad2(at.getDate())} ${time}`;
}

/**
 * A moment from the core (RFC 3339) as local time: "09:30" today, "04/19/2026 22:10" on other
 * days. Null when unparseable.
 */
export function formatMoment(iso: string, now: Date = new Date()): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const time = `${pad2(at.getHours())}:${pad2(at.getMinutes())}`;
  const sameDay =
    at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth() && at.getDate() === now.getDate();
  return sameDay ? time : `${pad2(at.getMonth() + 1)}/${pad2(at.getDate())}/${at.getFullYear()} ${time}`;
}

/**
 * A moment from the core (RFC 3339) as local date and time to the second, whatever the day:
 * "04/19/2026 22:10:05" (records such as the audit trail). Null when unparseable.
 */
export function formatTimestamp(iso: string): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const date = `${pad2(at.getMonth() + 1)}/${pad2(at.getDate())}/${at.getFullYear()}`;
  return `${date} ${pad2(at.getHours())}:${pad2(at.getMinutes())}:${pad2(at.getSeconds())}`;
}

/** The local calendar date of a moment from the core: "04/19/2026". Null when unparseable. */
export function formatMomentDate(iso: string): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  return `${pad2(at.getMonth() + 1)}/${pad2(at.getDate())}/${at.getFullYear()}`;
}

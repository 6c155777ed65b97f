import { describe, expect, it } from "vitest";
import {
  formatAge,
  formatDate,
  formatDobWithAge,
  formatMoment,
  formatMomentDate,
  formatPhone,
  formatTimestamp,
  parseIsoDate,
  plural,
  rolesLabel,
  sexInitial,
} from "./format";

const day = (y: number, m: number, d: number) => new Date(y, m - 1, d, 12);

describe("dates", () => {
  it("formats YYYY-MM-DD as MM/DD/YYYY without shifting a day", () => {
    expect(formatDate("2019-04-12")).toBe("04/12/2019");
    expect(formatDate("2000-01-01")).toBe("01/01/2000");
  });

  it("shows unparseable dates as stored", () => {
    expect(formatDate("12/04/2019")).toBe("12/04/2019");
    expect(parseIsoDate("2019-02-30")).toBeNull();
  });
});

describe("age", () => {
  it("counts whole years, turning on the birthday", () => {
    expect(formatAge("2019-04-12", day(2026, 4, 11))).toBe("6 y");
    expect(formatAge("2019-04-12", day(2026, 4, 12))).toBe("7 y");
    expect(formatAge("1956-11-03", day(2026, 4, 20))).toBe("69 y");
  });

  it("uses months under two years and days under one month", () => {
    expect(formatAge("2024-10-02", day(2026, 4, 20))).toBe("18 mo");
    expect(formatAge("2024-04-21", day(2026, 4, 20))).toBe("23 mo");
    expect(formatAge("2024-04-20", day(2026, 4, 20))).toBe("2 y");
    expect(formatAge("2026-04-08", day(2026, 4, 20))).toBe("12 d");
  });

  it("gives no age for future or malformed birth dates", () => {
    expect(formatAge("2027-01-01", day(2026, 4, 20))).toBeNull();
    expect(formatAge("unknown", day(2026, 4, 20))).toBeNull();
    expect(formatDobWithAge("unknown", day(2026, 4, 20))).toBe("unknown");
  });

  it("joins DOB and age for list rows", () => {
    expect(formatDobWithAge("2019-04-12", day(2026, 4, 20))).toBe("04/12/2019 · 7 y");
  });
});

describe("labels", () => {
  it("spells roles in words", () => {
    expect(rolesLabel(["nurse_practitioner", "physician_assistant"])).toBe("Nurse practitioner, Physician assistant");
  });

  it("abbreviates sex to an initial", () => {
    expect(sexInitial("female")).toBe("F");
    expect(sexInitial("unknown")).toBe("U");
  });

  it("formats US phone numbers and leaves others alone", () => {
    expect(formatPhone("+14155550123")).toBe("(415) 555-0123");
    expect(formatPhone("503-555-0142")).toBe("(503) 555-0142");
    expect(formatPhone("+44 20 7946 0958")).toBe("+44 20 7946 0958");
  });

  it("pluralises counts", () => {
    expect(plural(1, "patient", "patients")).toBe("1 patient");
    expect(plural(1200, "patient", "patients")).toBe("1,200 patients");
  });

  it("formats moments: the time today, the date and time on other days", () => {
    const now = new Date(2026, 3, 20, 9, 30);
    expect(formatMoment(new Date(2026, 3, 20, 8, 5).toISOString(), now)).toBe("08:05");
    expect(formatMoment(new Date(2025, 11, 31, 22, 10).toISOString(), now)).toBe("12/31/2025 22:10");
    expect(formatMoment("not a time", now)).toBeNull();
    expect(formatMomentDate(new Date(2026, 3, 19, 23, 59).toISOString())).toBe("04/19/2026");
    // Records: the date and the second, even today.
    expect(formatTimestamp(new Date(2026, 3, 20, 8, 5, 9).toISOString())).toBe("04/20/2026 08:05:09");
    const utc = new Date(Date.UTC(2026, 3, 19, 22, 10, 5)).toISOString();
    expect(formatTimestamp("2026-04-19T22:10:05.123456Z")).toBe(formatTimestamp(utc));
    expect(formatTimestamp("not a time")).toBeNull();
  });
});

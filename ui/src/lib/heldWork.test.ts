import { describe, expect, it } from "vitest";
import {
  clearHeldWork,
  hasHeldWork,
  heldAddendum,
  heldContacts,
  heldSections,
  holdAddendum,
  holdContact,
  holdSection,
  releaseSection,
} from "./heldWork";

describe("held work", () => {
  it("keeps the latest value of each section, by encounter, until released", () => {
    holdSection("enc-1", { section: "history", answers: [], narrative: "Sore" });
    holdSection("enc-1", { section: "history", answers: [], narrative: "Sore since Monday" });
    holdSection("enc-1", { section: "plan", labs: [], medications: [], instructions: "Fluids", follow_up: "", tasks: [] });
    holdSection("enc-2", { section: "history", answers: [], narrative: "Cough" });

    expect(heldSections("enc-1")).toEqual([
      { section: "history", answers: [], narrative: "Sore since Monday" },
      { section: "plan", labs: [], medications: [], instructions: "Fluids", follow_up: "", tasks: [] },
    ]);
    releaseSection("enc-1", "history");
    releaseSection("enc-1", "plan");
    expect(heldSections("enc-1")).toEqual([]);
    expect(heldSections("enc-2")).toHaveLength(1);
    expect(heldSections("enc-unknown")).toEqual([]);
  });

  it("keeps contact edits by patient and addenda by encounter; empty lets them go", () => {
    holdContact("pt-mia", { phone: "+14155550188", email: "", state: "CA", channel: "sms" });
    holdAddendum("enc-1", "Strep positive.");
    expect(heldContacts()).toEqual({ "pt-mia": { phone: "+14155550188", email: "", state: "CA", channel: "sms" } });
    expect(heldAddendum("enc-1")).toBe("Strep positive.");
    expect(heldAddendum("enc-2")).toBe("");

    holdContact("pt-mia", null);
    holdAddendum("enc-1", "");
    expect(heldContacts()).toEqual({});
    expect(hasHeldWork()).toBe(false);
  });

  it("forgets everything at once when the session ends", () => {
    holdSection("enc-1", { section: "history", answers: [], narrative: "Sore" });
    holdContact("pt-mia", { phone: "", email: "a@b.test", state: "CA", channel: "email" });
    holdAddendum("enc-1", "Strep positive.");
    expect(hasHeldWork()).toBe(true);

    clearHeldWork();

    expect(hasHeldWork()).toBe(false);
    expect(heldSections("enc-1")).toEqual([]);
    expect(heldContacts()).toEqual({});
    expect(heldAddendum("enc-1")).toBe("");
  });
});

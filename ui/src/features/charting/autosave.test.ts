import { describe, expect, it, vi } from "vitest";
import type { EncounterView } from "../../bindings/EncounterView";
import type { Section } from "../../bindings/Section";
import { deferred, type Deferred } from "../../test/fakeCore";
import { IpcError } from "../../lib/ipc";
import { SectionSaver, sameJson } from "./autosave";

const history = (narrative: string): Section => ({ section: "history", answers: [], narrative });
const plan = (instructions: string): Section => ({
  section: "plan",
  labs: [],
  medications: [],
  instructions,
  follow_up: "",
  tasks: [],
});
const viewNo = (n: number) => ({ encounter: { version: n } }) as unknown as EncounterView;
const flush = () => new Promise((r) => setTimeout(r, 0));

function setup() {
  const sent: Array<{ section: Section; answer: Deferred<EncounterView> }> = [];
  const events = { onSaved: vi.fn(), onRefused: vi.fn(), onBusyChange: vi.fn() };
  const saver = new SectionSaver((section) => {
    const answer = deferred<EncounterView>();
    sent.push({ section, answer });
    return answer.promise;
  }, events);
  return { saver, sent, events };
}

describe("SectionSaver", () => {
  it("sends one save per section at a time and then only the newest waiting value", async () => {
    const { saver, sent, events } = setup();
    const first = saver.save(history("a"));
    const second = saver.save(history("ab"));
    const third = saver.save(history("abc"));
    await flush();
    expect(sent.map((s) => s.section)).toEqual([history("a")]);
    expect(saver.isBusy("history")).toBe(true);
    await expect(second).resolves.toEqual({ kind: "superseded" });

    sent[0]!.answer.resolve(viewNo(2));
    await expect(first).resolves.toEqual({ kind: "saved", view: viewNo(2) });
    await flush();
    expect(sent.map((s) => s.section)).toEqual([history("a"), history("abc")]);
    // The first answer says a newer value is already on its way.
    expect(events.onSaved).toHaveBeenLastCalledWith("history", viewNo(2), history("a"), true);

    sent[1]!.answer.resolve(viewNo(3));
    await expect(third).resolves.toEqual({ kind: "saved", view: viewNo(3) });
    expect(events.onSaved).toHaveBeenLastCalledWith("history", viewNo(3), history("abc"), false);
    expect(saver.isBusy()).toBe(false);
    expect(events.onBusyChange.mock.calls).toEqual([[true], [false]]);
  });

  it("lets sections save side by side, and idle() waits for all of them", async () => {
    const { saver, sent } = setup();
    void saver.save(history("a"));
    void saver.save(plan("rest"));
    await flush();
    expect(sent.map((s) => s.section.section)).toEqual(["history", "plan"]);

    let idle = false;
    void saver.idle().then(() => (idle = true));
    sent[1]!.answer.resolve(viewNo(2));
    await flush();
    expect(idle).toBe(false);
    sent[0]!.answer.resolve(viewNo(3));
    await flush();
    expect(idle).toBe(true);
  });

  it("reports a refusal with the core's error and goes on with the next value", async () => {
    const { saver, sent, events } = setup();
    const refused = saver.save(history("a"));
    void saver.save(history("ab"));
    await flush();
    sent[0]!.answer.reject({ code: "invalid_input", message: "the history text is too long" });
    const outcome = await refused;
    expect(outcome.kind).toBe("refused");
    expect(outcome.kind === "refused" && outcome.error).toBeInstanceOf(IpcError);
    expect(events.onRefused).toHaveBeenCalledWith("history", expect.objectContaining({ code: "invalid_input" }), history("a"), true);
    await flush();
    expect(sent).toHaveLength(2);
  });
});

describe("sameJson", () => {
  it("compares JSON shapes whatever the key order", () => {
    expect(sameJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: null }, {})).toBe(false);
  });
});

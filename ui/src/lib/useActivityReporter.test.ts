import { fireEvent, renderHook, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { failure, installCore } from "../test/fakeCore";
import { TODAY } from "../test/fixtures";
import { ACTIVITY_EVENTS, ACTIVITY_INTERVAL_MS, activityThrottle, useActivityReporter } from "./useActivityReporter";

describe("activity throttle", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(TODAY);
  });

  it("reports the first input at once, then at most once every 15 seconds", () => {
    const report = vi.fn();
    const input = activityThrottle(report);
    expect(ACTIVITY_INTERVAL_MS).toBe(15_000);

    input();
    expect(report).toHaveBeenCalledTimes(1);

    vi.advanceTimersByTime(5_000);
    input();
    input();
    vi.advanceTimersByTime(9_999);
    input();
    expect(report).toHaveBeenCalledTimes(1);

    vi.advanceTimersByTime(1);
    input();
    expect(report).toHaveBeenCalledTimes(2);
    input();
    expect(report).toHaveBeenCalledTimes(2);
  });

  it("reports at once after a quiet spell, and never later by itself", () => {
    const report = vi.fn();
    const input = activityThrottle(report);
    input();
    input();
    // Inputs inside the interval are dropped, not sent when it ends.
    vi.advanceTimersByTime(10 * 60_000);
    expect(report).toHaveBeenCalledTimes(1);
    input();
    expect(report).toHaveBeenCalledTimes(2);
  });

  it("keeps reporting when the clock is set back", () => {
    const report = vi.fn();
    const input = activityThrottle(report);
    input();
    vi.setSystemTime(new Date(TODAY.getTime() - 60 * 60_000));
    input();
    expect(report).toHaveBeenCalledTimes(2);
  });
});

describe("useActivityReporter", () => {
  // Only the clock is fake: the core's answers and waitFor run on real timers.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(TODAY);
  });

  it("tells the core on keys, pointer presses, wheel and touch anywhere in the window, throttled", async () => {
    const core = installCore({ note_activity: () => null });
    renderHook(() => useActivityReporter(true));

    fireEvent.keyDown(document.body, { key: "a" });
    fireEvent.pointerDown(document.body);
    fireEvent.wheel(window);
    fireEvent.touchStart(document.body);
    await waitFor(() => expect(core.argsOf("note_activity")).toEqual([{}]));

    // Each kind of input counts on its own after the interval.
    const fire: Record<(typeof ACTIVITY_EVENTS)[number], () => void> = {
      keydown: () => fireEvent.keyDown(document.body, { key: "a" }),
      pointerdown: () => fireEvent.pointerDown(document.body),
      wheel: () => fireEvent.wheel(document.body),
      touchstart: () => fireEvent.touchStart(document.body),
    };
    for (const type of ACTIVITY_EVENTS) {
      vi.advanceTimersByTime(ACTIVITY_INTERVAL_MS);
      fire[type]();
    }
    await waitFor(() => expect(core.argsOf("note_activity")).toHaveLength(5));
  });

  it("hears inputs before any screen can stop them (capture phase, passive)", () => {
    const add = vi.spyOn(window, "addEventListener");
    installCore({ note_activity: () => null });
    renderHook(() => useActivityReporter(true));
    const registered = add.mock.calls.filter(([type]) => (ACTIVITY_EVENTS as readonly string[]).includes(type));
    expect(registered.map(([type]) => type).sort()).toEqual([...ACTIVITY_EVENTS].sort());
    for (const [, , options] of registered) expect(options).toEqual({ capture: true, passive: true });
  });

  it("counts a key even when the screen stops it from bubbling", async () => {
    const core = installCore({ note_activity: () => null });
    renderHook(() => useActivityReporter(true));
    const field = document.createElement("input");
    document.body.append(field);
    field.addEventListener("keydown", (e) => e.stopPropagation());
    fireEvent.keyDown(field, { key: "Escape" });
    await waitFor(() => expect(core.argsOf("note_activity")).toHaveLength(1));
    field.remove();
  });

  it("does not count mouse moves, and stops when disabled or unmounted", async () => {
    const core = installCore({ note_activity: () => null });
    const { rerender, unmount } = renderHook(({ enabled }) => useActivityReporter(enabled), {
      initialProps: { enabled: false },
    });
    fireEvent.keyDown(document.body, { key: "a" });
    fireEvent.mouseMove(document.body);
    rerender({ enabled: true });
    fireEvent.mouseMove(document.body);
    await Promise.resolve();
    expect(core.argsOf("note_activity")).toEqual([]);

    fireEvent.keyDown(document.body, { key: "a" });
    await waitFor(() => expect(core.argsOf("note_activity")).toHaveLength(1));
    unmount();
    vi.advanceTimersByTime(ACTIVITY_INTERVAL_MS);
    fireEvent.keyDown(document.body, { key: "a" });
    await Promise.resolve();
    expect(core.argsOf("note_activity")).toHaveLength(1);
  });

  it("ignores the core's errors", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const core = installCore({ note_activity: () => failure("internal", "no workspace") });
      renderHook(() => useActivityReporter(true));
      fireEvent.keyDown(document.body, { key: "a" });
      await waitFor(() => expect(core.argsOf("note_activity")).toHaveLength(1));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });
});

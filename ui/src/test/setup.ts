import "@testing-library/jest-dom/vitest";
import { notifyManager } from "@tanstack/react-query";
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { clearHeldWork } from "../lib/heldWork";

// Queries tell React of an answer in a microtask rather than a 0 ms timer: a test's fake clock
// then moves the app exactly as far as it says (a poll 2 s after the answer, not 2 s and a tick).
notifyManager.setScheduler(queueMicrotask);

afterEach(() => {
  cleanup();
  clearMocks();
  // Held work is module state: no test sees another's.
  clearHeldWork();
  vi.useRealTimers();
});

import "@testing-library/jest-dom/vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { clearHeldWork } from "../lib/heldWork";

afterEach(() => {
  cleanup();
  clearMocks();
  // Held work is module state: no test sees another's.
  clearHeldWork();
  vi.useRealTimers();
});

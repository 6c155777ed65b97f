import "@testing-library/jest-dom/vitest";
import { notifyManager } from "@tanstack/react-query";
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { clearHeldWork } from "../lib/heldWork";

// Queries tell React of an answer in a microtask rather than a 0 ms timer: a test's fake clock
// then moves the app exactly as far as it says (a poll 2 s after the answer, not 2 s and a tick).
notifyManager.setScheduler(queueMicrotask);

// jsdom has <dialog> but not showModal() or close(): the least of them (open or not; the inert
// background is the browser's, and the dialog tests check that showModal is what opens it).
HTMLDialogElement.prototype.showModal ??= function showModal(this: HTMLDialogElement) {
  this.setAttribute("open", "");
};
HTMLDialogElement.prototype.close ??= function close(this: HTMLDialogElement) {
  if (!this.hasAttribute("open")) return;
  this.removeAttribute("open");
  this.dispatchEvent(new Event("close"));
};

afterEach(() => {
  cleanup();
  clearMocks();
  // Held work is module state: no test sees another's.
  clearHeldWork();
  vi.useRealTimers();
});

import react from "@vitejs/plugin-react";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

// Tauri passes these while running `tauri dev` / `tauri build`.
const tauriPlatform = process.env.TAURI_ENV_PLATFORM;
const tauriDebug = Boolean(process.env.TAURI_ENV_DEBUG);

/**
 * The app ships with CSP `script-src 'self'`: any inline <script> in the built
 * index.html would be blocked at runtime, so fail the build instead.
 */
function forbidInlineScripts(): Plugin {
  return {
    name: "rounds:forbid-inline-scripts",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html) {
        for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
          if (!/\ssrc\s*=/i.test(tag)) {
            throw new Error(`inline <script> in index.html breaks CSP script-src 'self': ${tag}`);
          }
        }
        return html;
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), forbidInlineScripts()],
  clearScreen: false,
  envPrefix: ["VITE_", "TAURI_ENV_"],
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ["**/src-tauri/**"] },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebView2 on Windows is Chromium; macOS/Linux use WebKit.
    target: tauriPlatform === "windows" ? "chrome105" : "safari13",
    minify: tauriDebug ? false : "esbuild",
    sourcemap: tauriDebug,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});

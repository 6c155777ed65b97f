// ESLint flat config: typescript-eslint (recommended, plus the type-checked rules that catch real
// mistakes here: promises left floating or passed where nothing awaits them, awaits of values
// that are not promises, casts that change nothing) and the React hooks rules, exhaustive-deps
// included. `npm run lint` allows no warnings.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // Build output and the types generated from the Rust core (ts-rs).
  { ignores: ["dist/", "src/bindings/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  reactHooks.configs.flat.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `const { section: _, ...rest } = x` is how a key is left out of an object.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      // The React Compiler's diagnostics (plugin 7 puts them in "recommended"). The app does not
      // use the compiler; what they flag today (45 places) is the hand-written loading effects
      // and windowing that the data layer and the virtual list replace (issue 14, items 1 and 2).
      // Turn them on once those land.
      "react-hooks/set-state-in-effect": "off",
      "react-hooks/refs": "off",
      "react-hooks/immutability": "off",
      "react-hooks/purity": "off",
      "react-hooks/preserve-manual-memoization": "off",
    },
  },
  {
    files: ["vite.config.ts"],
    languageOptions: {
      globals: globals.node,
      parserOptions: { project: "./tsconfig.node.json", tsconfigRootDir: import.meta.dirname },
    },
  },
  { files: ["*.js"], languageOptions: { globals: globals.node } },
);

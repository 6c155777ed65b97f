import { describe, expect, it } from "vitest";

// A Node API in a browser-typed project: imported by name, typed here. Vitest runs in ui/.
const fs = (await import(/* @vite-ignore */ ["node", "fs"].join(":"))) as {
  readdirSync: (path: string, options: { recursive: true }) => string[];
  readFileSync: (path: string, encoding: "utf8") => string;
};

const TOKENS = "tokens.css";
const sheets = fs
  .readdirSync("src", { recursive: true })
  .filter((path) => path.endsWith(".css"))
  .map((path) => ({ path, text: fs.readFileSync(`src/${path}`, "utf8").replace(/\/\*[\s\S]*?\*\//g, "") }));

const RAW_COLOUR = /#[0-9a-f]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(/gi;

describe("the style sheets", () => {
  it("are found (the tokens and the shared sheet at least)", () => {
    expect(sheets.map((s) => s.path)).toEqual(expect.arrayContaining([TOKENS, "styles.css"]));
  });

  it("name every colour by its token: no raw colour outside tokens.css", () => {
    const raw = sheets
      .filter((s) => s.path !== TOKENS)
      .flatMap((s) => (s.text.match(RAW_COLOUR) ?? []).map((colour) => `${s.path}: ${colour}`));
    expect(raw).toEqual([]);
  });

  it("size text from the type scale (or relative to it, in em)", () => {
    const sizes = sheets
      .filter((s) => s.path !== TOKENS)
      .flatMap((s) => [...s.text.matchAll(/font-size:\s*([^;]+);/g)].map((m) => `${s.path}: ${m[1]}`))
      .filter((size) => !/: (?:var\(--text-[a-z0-9]+\)|[0-9.]+em|inherit)$/.test(size));
    expect(sizes).toEqual([]);
  });
});

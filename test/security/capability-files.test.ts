/**
 * Hostile capability files. `validate` and `serve` on truncated YAML, YAML bombs,
 * oversized and over-nested files, and every file of capabilities/ mutated at random (seeded) never
 * hang or crash: each loads (and serves), or gets a clear error.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { serveCapability } from "../../src/serve.js";
import { BindError } from "../../src/spec/binds.js";
import { loadCapability, type Capability } from "../../src/spec/load.js";
import { CapabilityError } from "../../src/spec/problems.js";
import { ROOT, runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const dir = tempDir("naftiko-hostile-");
const FLAGSHIP = readFileSync(path.join(ROOT, "metal-interconnections.naftiko.yaml"), "utf8");
function file(name: string, text: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const BOMB = `naftiko: 1.0.0-alpha2
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;

/** Loads within `ms`, or fails the test as a hang. */
async function load(p: string, ms = 5_000): Promise<Capability | CapabilityError> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`loading ${p} hung for ${ms} ms`)), ms)));
  try {
    return await Promise.race([loadCapability(p).catch((e: unknown) => (e instanceof CapabilityError ? e : Promise.reject(e))), hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe("hostile capability files, one by one", () => {
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ["billion laughs", BOMB, /alias count/i],
    [
      "aliases to a large node",
      `naftiko: 1.0.0-alpha2\nx: &x ${JSON.stringify("z".repeat(100_000))}\nl: [${Array(99).fill("*x").join(",")}]\n`,
      /unknown field "x"|must NOT have additional/,
    ],
    ["10 MB", FLAGSHIP + `\n# ${"x".repeat(10 * 1024 * 1024)}\n`, /limited to 4194304 bytes/],
    ["deeply nested flow", `naftiko: 1.0.0-alpha2\na: ${"[".repeat(100_000)}${"]".repeat(100_000)}`, /nested/],
    ["deeply nested blocks", Array.from({ length: 2_000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n"), /nested/],
    [
      "nested deeper than 128 in a free-form field",
      FLAGSHIP.replace("  tags:\n", `  x: ${"[".repeat(300)}${"]".repeat(300)}\n  tags:\n`),
      /nested deeper than 128/,
    ],
    ["truncated mid-key", FLAGSHIP.slice(0, FLAGSHIP.indexOf("outputRawFormat") + 6), /./],
    ["truncated mid-quote", FLAGSHIP.slice(0, FLAGSHIP.indexOf("'{{env.") + 5), /./],
    ["NUL bytes", FLAGSHIP.slice(0, 3_000) + "\0\0" + FLAGSHIP.slice(3_000), /./],
    ["binary", Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 256)), /./],
    ["empty", "", /must be an object/],
  ];
  it.each(cases)("%s: a clear error, quickly", async (name, text, message) => {
    const p = file(`${name.replace(/\W+/g, "-")}.yaml`, text);
    const t0 = Date.now();
    const r = await load(p);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r).toBeInstanceOf(CapabilityError);
    const problems = (r as CapabilityError).problems;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.message).join("\n")).toMatch(message);
    expect(problems.map((p) => p.message).join("\n")).not.toMatch(/Maximum call stack|undefined|\[object Object\]/);
  });

  it("validate and serve (real CLI) on a bomb and a 10 MB file: exit 1 with file:line:col, no stack trace", async () => {
    const bomb = file("cli-bomb.yaml", BOMB);
    const big = file("cli-big.yaml", FLAGSHIP + `\n# ${"x".repeat(10 * 1024 * 1024)}\n`);
    const runs = await Promise.all([runCli(["validate", bomb]), runCli(["serve", big]), runCli(["serve", bomb])]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\.yaml:1:1 /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

/** mulberry32: a small seeded PRNG, so a failing mutation can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = [
  "&x",
  "*x",
  "<<: *x",
  "!!binary",
  "? ",
  "---",
  "...",
  "{",
  "[",
  "'",
  '"',
  "|",
  ">",
  "#",
  "\t",
  "%",
  "@",
  "\0",
  ": ",
  "- ",
  "~",
  "{{",
  "}}",
  "{{env.EQUINIX_API_KEY}}",
  "\\u0000",
];
const VALUES = ["null", "[]", "{}", "-1", "99999999999", "'{{x}}'", "'{'", "~", "true", "1.5", "''", "/..", "'{{rest.x}}'"];

function mutate(text: string, rnd: () => number): string {
  const lines = text.split("\n");
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)];
  const at = () => Math.floor(rnd() * lines.length);
  switch (Math.floor(rnd() * 8)) {
    case 0:
      return text.slice(0, Math.floor(rnd() * text.length));
    case 1:
      lines.splice(at(), 1 + Math.floor(rnd() * 3));
      break;
    case 2: {
      const i = at();
      lines.splice(i, 0, lines[i]);
      break;
    }
    case 3: {
      const i = at();
      const j = at();
      [lines[i], lines[j]] = [lines[j], lines[i]];
      break;
    }
    case 4: {
      const pos = Math.floor(rnd() * text.length);
      return text.slice(0, pos) + pick(SNIPPETS) + text.slice(pos + 1);
    }
    case 5: {
      const i = at();
      lines[i] = rnd() < 0.5 ? `  ${lines[i]}` : lines[i].replace(/^ {1,2}/, "");
      break;
    }
    case 6: {
      const i = at();
      lines[i] = lines[i].replace(/:\s.*$/, `: ${pick(VALUES)}`);
      break;
    }
    default: {
      const i = at();
      lines.splice(i, 0, `${lines[i].match(/^\s*/)![0]}${pick(SNIPPETS)}`);
    }
  }
  return lines.join("\n");
}

/** Every bind a document asks for, filled, so a loaded mutant gets as far into serve as it can. */
function envFor(cap: Capability): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const b of cap.binds) for (const k of Object.values(b.keys ?? {})) env[String(k)] = "fuzz-value-1234";
  return env;
}

const JS_FAULTS = [TypeError, RangeError, ReferenceError, SyntaxError];

describe("every file of capabilities/, mutated at random (seeded)", () => {
  const SEED = Number(process.env.MUTATION_SEED ?? 5);
  const PER_FILE = 6;
  const files = [
    path.join(ROOT, "metal-interconnections.naftiko.yaml"),
    ...readdirSync(path.join(ROOT, "capabilities"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => path.join(ROOT, "capabilities", f)),
  ];

  it(`${PER_FILE} mutants of each of ${files.length} files load or fail clearly, and serve or fail clearly`, async () => {
    const rnd = prng(SEED);
    let loaded = 0;
    let refused = 0;
    let served = 0;
    const failures: string[] = [];
    for (const original of files) {
      const text = readFileSync(original, "utf8");
      for (let m = 0; m < PER_FILE; m++) {
        const p = file(`mutant-${path.basename(original, ".yaml")}-${m}.yaml`, m % 2 ? mutate(mutate(text, rnd), rnd) : mutate(text, rnd));
        let r: Capability | CapabilityError;
        try {
          r = await load(p);
        } catch (e) {
          failures.push(`${p}: load threw ${(e as Error).stack}`);
          continue;
        }
        if (r instanceof CapabilityError) {
          refused++;
          if (!r.problems.length || r.problems.some((x) => !x.message || x.line < 1))
            failures.push(`${p}: unclear problems ${JSON.stringify(r.problems.slice(0, 3))}`);
          continue;
        }
        loaded++;
        const ports = Object.fromEntries(r.exposes.map((b) => [b.namespace, 0]));
        try {
          const s = await serveCapability(r, { ports, env: envFor(r), log: () => {} });
          await s.close();
          served++;
        } catch (e) {
          if (
            JS_FAULTS.some((t) => e instanceof t) ||
            !(e instanceof Error) ||
            !(e as Error).message ||
            !(e instanceof BindError || e.constructor === Error)
          ) {
            failures.push(`${p}: serve threw ${(e as Error).stack ?? e}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // The mutations must really exercise both outcomes.
    expect(refused).toBeGreaterThan(50);
    expect(loaded).toBeGreaterThan(20);
    expect(served).toBeGreaterThan(0);
  }, 60_000);
});

/**
 * The README is a newcomer's first page: at most 12 KB, naming every program the tests need, with
 * a row for every CLI command; the rest is in docs/. Every link in README.md and docs/ stays inside
 * the repository and reaches an existing file (and heading): a clone has nothing beside it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HELP } from "../../src/cli/help.js";
import { ROOT } from "../support/cli.js";

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const README = read("README.md");
const DOCS = readdirSync(path.join(ROOT, "docs"))
  .filter((f) => f.endsWith(".md"))
  .map((f) => `docs/${f}`);

/** The `## ` section of a Markdown text under this heading, up to the next one. */
const section = (text: string, heading: string) =>
  new RegExp(`^## ${heading}\\n([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, "m").exec(text)?.[1] ?? "";

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

/** Markdown links outside code blocks and code spans. */
function links(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

describe("README.md", () => {
  it("is at most 12 KB", () => {
    expect(Buffer.byteLength(README)).toBeLessThanOrEqual(12 * 1024);
  });

  it("keeps its capability example short (at most 3 KB)", () => {
    expect(Buffer.byteLength(section(README, "Writing a capability"))).toBeLessThanOrEqual(3 * 1024);
  });

  it("names every program a test needs beside Node, and the Node versions", () => {
    const setUp = section(README, "Set-up");
    const programs = new Set<string>();
    for (const file of readdirSync(path.join(ROOT, "test"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".test.ts")))
      for (const m of read(`test/${file}`).matchAll(/findProgram\("([^"]+)"/g)) programs.add(m[1]);
    expect([...programs].sort()).toEqual(["chromium", "curl", "jq", "nginx", "unzip"]);
    for (const program of programs) expect(setUp.toLowerCase()).toContain(program);
    expect(setUp).toMatch(/Node\.js 20\.18 or later/);
    expect(setUp).toContain("npm ci && npm run demo");
    expect(setUp).toContain("npm test");
  });

  it("has a row for every command of the CLI and shows the installed package in use", () => {
    const commands = [...HELP.matchAll(/^ {2}naftiko (\w+)/gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThanOrEqual(8);
    const cli = section(README, "CLI");
    for (const command of commands) expect(cli, command).toContain(`naftiko ${command}`);
    expect(README).toContain("npm install -g @naftiko/runtime");
    expect(README).toContain("npx @naftiko/runtime");
  });

  it("links every page of docs/", () => {
    for (const doc of DOCS) expect(links(README), doc).toContain(doc);
  });
});

describe("links in README.md and docs/", () => {
  it("stay inside the repository and reach an existing file and heading", () => {
    const broken: string[] = [];
    for (const file of ["README.md", ...DOCS]) {
      for (const link of links(read(file))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) {
          broken.push(`${file}: ${link} leaves the repository`);
          continue;
        }
        const [target, anchor] = link.split("#");
        const resolved = target ? path.resolve(path.dirname(path.join(ROOT, file)), target) : path.join(ROOT, file);
        if (path.relative(ROOT, resolved).startsWith("..")) broken.push(`${file}: ${link} leaves the repository`);
        else if (!existsSync(resolved)) broken.push(`${file}: ${link} does not exist`);
        else if (anchor) {
          const headings = statSync(resolved).isFile()
            ? [...readFileSync(resolved, "utf8").matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]))
            : [];
          if (!headings.includes(anchor)) broken.push(`${file}: ${link} has no heading #${anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

/**
 * /docs as a person sees it: Debian's headless Chromium (driven by playwright-core) opens the
 * flagship's API reference, which must list all 15 operations, load nothing from outside the
 * runtime, and leave a screenshot under test-output/. Without Chromium the test is reported as not
 * run (see test/support/prerequisites.ts).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Served } from "../../src/serve.js";
import { ROOT } from "../support/cli.js";
import { findProgram, need } from "../support/prerequisites.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { loadCases, serveAgainst } from "../support/spec-cases.js";

const CHROMIUM = findProgram("chromium", "apt-get install -y chromium", ["/usr/bin/chromium"]);
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

describe("/docs in headless Chromium", () => {
  let upstream: RecordingUpstream;
  let served: Served;
  let browser: Browser;
  beforeAll(async () => {
    if (!CHROMIUM.path) return;
    upstream = await startRecordingUpstream();
    served = await serveAgainst(loadCases(path.join(ROOT, "metal-interconnections.naftiko.yaml")), upstream);
    browser = await chromium.launch({ executablePath: CHROMIUM.path, args: FLAGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await upstream?.stop();
  });

  it("lists all 15 flagship operations from the bundled Swagger UI, offline", async (ctx) => {
    need(ctx, CHROMIUM);
    const base = served.listeners.find((l) => l.type === "rest")!.url;
    const page = await browser.newPage({ viewport: { width: 1280, height: 1300 } });
    const outside: string[] = [];
    const errors: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(base) || url.startsWith("data:")) return route.continue();
      outside.push(url);
      return route.abort();
    });
    page.on("pageerror", (e) => errors.push(e.message));
    const res = await page.goto(`${base}/docs`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector(".opblock", { timeout: 20_000 });
    await page.waitForFunction("document.querySelectorAll('.opblock').length >= 15", undefined, { timeout: 20_000 });
    const ops = await page.$$eval(".opblock", (els) =>
      els.map((e) => ({
        method: e.querySelector(".opblock-summary-method")?.textContent?.trim(),
        path:
          e.querySelector(".opblock-summary-path")?.getAttribute("data-path") ??
          e.querySelector(".opblock-summary-path")?.textContent?.trim(),
      })),
    );
    expect(ops).toHaveLength(15);
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const expected = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    expect(ops.map((o) => `${o.method} ${o.path?.replace(/\u200b/g, "")}`).sort()).toEqual(expected.sort());
    expect(await page.title()).toContain("Metal API — Interconnections");
    mkdirSync(path.join(ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, "test-output", "docs-flagship.png"), fullPage: false });
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

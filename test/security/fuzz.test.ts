/**
 * Property-based fuzzing (fast-check) of REST paths, queries and bodies and of MCP
 * arguments. Whatever comes in, nothing reaches another upstream path, nothing undeclared is
 * forwarded, nothing invalid is forwarded, and the runtime answers with a documented status.
 * Seeded for reproducible CI runs; FC_SEED=<n> explores elsewhere.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaults, type FaultsRig } from "../support/faults.js";
import { rawRequest } from "../support/raw-http.js";

const SEED = Number(process.env.FC_SEED ?? 20261126);
const RUNS = 150;
const DOCUMENTED = new Set([200, 400, 404, 405, 413, 414, 415, 431]);

let rig: FaultsRig;
beforeAll(async () => {
  rig = await startFaults({ callTimeout: 2_000 });
});
afterAll(async () => {
  await rig.stop();
});

function since(n: number) {
  return rig.upstream.requests.slice(n);
}

/** One upstream path segment: non-empty, never `.`/`..` once decoded, never a raw `/`. */
function assertItemPath(path: string, prefix = "/api/items/") {
  expect(path.startsWith(prefix)).toBe(true);
  const seg = path.slice(prefix.length);
  expect(seg).toMatch(/^[A-Za-z0-9\-._~!$&'()*+,;=:@%]+$/);
  expect(seg).not.toContain("/");
  const decoded = decodeURIComponent(seg);
  expect(decoded === "." || decoded === "..").toBe(false);
}

const dangerous = fc.constantFrom(
  "..",
  ".",
  "/",
  "%2e",
  "%2E%2e",
  "%2f",
  "%2F",
  "%5c",
  "%00",
  "%0d%0a",
  "%",
  "%%",
  "//",
  "?",
  "#",
  ";",
  "%3F",
  "%23",
  "\\",
  "~",
  "@",
  ":",
);
const segmentPiece = fc.oneof(
  dangerous,
  fc.string({ unit: "grapheme", maxLength: 8 }).map(encodeURIComponent),
  fc.string({ maxLength: 8 }).map((s) => s.replace(/[^A-Za-z0-9._~-]/g, "")),
);
const segment = fc.array(segmentPiece, { minLength: 0, maxLength: 6 }).map((parts) => parts.join(""));

describe("REST fuzz", () => {
  it("any path: documented status, and an upstream call only ever to /api/items/<one segment>", async () => {
    await fc.assert(
      fc.asyncProperty(segment, fc.constantFrom("GET", "DELETE"), async (seg, method) => {
        const before = rig.upstream.requests.length;
        const r = await rawRequest(rig.rest, method, `/v1/items/${seg}`);
        expect(DOCUMENTED.has(r.status)).toBe(true);
        const up = since(before);
        expect(up.length).toBeLessThanOrEqual(1);
        for (const u of up) {
          expect(u.method).toBe(method);
          assertItemPath(u.path);
          expect(u.url).not.toContain("?");
        }
        if (r.status === 200) expect(up).toHaveLength(1);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  const qname = fc.oneof(
    fc.constantFrom("limit", "include", "LIMIT", "Include", "include[]", "id", "X-Api-Key", "__proto__", "constructor", "evil"),
    fc.string({ maxLength: 10 }),
  );
  const qvalue = fc.oneof(fc.integer().map(String), fc.string({ maxLength: 12 }), fc.constantFrom("1.5", "", "a,b,c", "%00", "\r\n"));
  it("any query: only declared parameters are forwarded, and only valid ones", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(qname, qvalue), { maxLength: 6 }), async (pairs) => {
        const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
        const before = rig.upstream.requests.length;
        const r = await rawRequest(rig.rest, "GET", `/v1/items/fuzz?${qs}`);
        expect(DOCUMENTED.has(r.status)).toBe(true);
        const up = since(before);
        if (r.status !== 200) {
          expect(up).toEqual([]);
          return;
        }
        expect(up).toHaveLength(1);
        expect(up[0].path).toBe("/api/items/fuzz");
        const sentQuery = new URLSearchParams(up[0].url.split("?")[1] ?? "");
        for (const k of sentQuery.keys()) expect(["limit", "include"]).toContain(k);
        const limit = sentQuery.get("limit");
        if (limit !== null) expect(Number.isInteger(Number(limit))).toBe(true);
        expect(up[0].headers["x-api-key"]).toBe(rig.served.runtime.binds("FAULTS_KEY"));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("any body: an object goes upstream exactly as sent, anything else is refused before it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 40 }),
        ),
        async (text) => {
          const before = rig.upstream.requests.length;
          const r = await rawRequest(rig.rest, "PUT", "/v1/items/fuzz-body", { "content-type": "application/json" }, text);
          expect(DOCUMENTED.has(r.status)).toBe(true);
          const up = since(before);
          let parsed: unknown;
          let valid = true;
          try {
            parsed = JSON.parse(text);
          } catch {
            valid = false;
          }
          const isObject = valid && parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
          if (r.status === 200) {
            expect(isObject).toBe(true);
            expect(up).toHaveLength(1);
            expect(up[0].path).toBe("/api/items/fuzz-body");
            expect(JSON.parse(up[0].body)).toEqual(parsed);
          } else {
            expect(up).toEqual([]);
          }
          if (!isObject) expect(r.status).toBe(400);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe("MCP fuzz", () => {
  const argName = fc.oneof(
    fc.constantFrom("id", "limit", "include", "body", "trace", "__proto__", "constructor", "toString"),
    fc.string({ maxLength: 8 }),
  );
  const argValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), segment, fc.constantFrom("..", ".", "", "a/b", "a\r\nb"));
  it("any arguments: a tool error, or a call with valid arguments to /api/items/<one segment>", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("get-item", "put-item", "get-traced"),
        fc.dictionary(argName, argValue, { maxKeys: 4 }),
        async (tool, args) => {
          const before = rig.upstream.requests.length;
          const r = await rig.callTool(tool, args);
          expect(r.status).toBe(200);
          const up = since(before);
          if (!r.result || r.result.isError) {
            expect(up).toEqual([]);
            return;
          }
          expect(up).toHaveLength(1);
          expect(typeof args.id).toBe("string");
          const allowed = { "get-item": ["id", "include", "limit"], "put-item": ["id", "body"], "get-traced": ["id", "trace"] }[tool]!;
          // The SDK's argument parser drops a `__proto__` key (see hostile-input.test.ts); all else must be declared.
          for (const k of Object.keys(args)) if (k !== "__proto__") expect(allowed).toContain(k);
          assertItemPath(up[0].path, tool === "get-traced" ? "/api/traced/" : "/api/items/");
          if (tool === "get-traced" && args.trace !== undefined) expect(up[0].headers["x-trace"]).toBe(args.trace);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

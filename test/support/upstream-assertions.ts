import { expect } from "vitest";
import type { RecordingUpstream } from "./recording-upstream.js";
import type { Expected } from "./spec-cases.js";

/** Asserts the one request the upstream received since `before` is exactly what the file says. */
export function assertUpstreamSaw(upstream: RecordingUpstream, before: number, expected: Expected) {
  expect(upstream.requests.length, "exactly one upstream request").toBe(before + 1);
  const got = upstream.requests[before];
  expect(got.method).toBe(expected.method);
  expect(got.path).toBe(expected.path);
  const entries = [...new URLSearchParams(got.query)];
  const wanted = [...expected.query];
  if (expected.auth && "query" in expected.auth) wanted.push([expected.auth.query, expected.auth.value]);
  expect(entries.sort()).toEqual(wanted.sort());
  for (const [name, value] of expected.query) {
    // Arrays travel as one comma-joined parameter, never repeated.
    if (value.includes(","))
      expect(got.query).toContain(
        `${encodeURIComponent(name).replace(/%5B/g, "[").replace(/%5D/g, "]")}=${value.split(",").map(encodeURIComponent).join(",")}`,
      );
  }
  if (expected.auth && "header" in expected.auth) expect(got.headers[expected.auth.header]).toBe(expected.auth.value);
  if (expected.body !== undefined) {
    expect(got.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(got.body)).toEqual(expected.body);
  } else {
    expect(got.body).toBe("");
  }
  return got;
}

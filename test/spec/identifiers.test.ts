/**
 * Names as generated files in the wild write them: resource names with spaces, namespaces with `:`.
 * Accepted with a warning where every use is unambiguous (and then served), refused with the use
 * that would be ambiguous otherwise.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, spawnServe } from "../support/cli.js";
import { startRecordingUpstream, type RecordingUpstream } from "../support/recording-upstream.js";
import { tempDir } from "../support/temp.js";

const dir = tempDir("naftiko-names-");
function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split("\n").length;

const WILD = `naftiko: 1.0.0-alpha2
binds:
  - namespace: "stripe env"
    keys:
      STRIPE_KEY: STRIPE_KEY
capability:
  consumes:
    - namespace: "stripe:invoices"
      type: http
      baseUri: "https://api.stripe.com"
      authentication:
        type: bearer
        token: "{{stripe env.STRIPE_KEY}}"
      resources:
        - name: v1-Invoice Items
          path: "/v1/invoiceitems/{id}"
          operations:
            - name: get-item
              method: GET
              inputParameters:
                - name: id
                  in: path
  exposes:
    - type: rest
      port: 8080
      namespace: "stripe:rest"
      resources:
        - path: /items/{id}
          name: Invoice Items
          operations:
            - method: GET
              call: "stripe:invoices.get-item"
              with:
                id: "stripe:rest.id"
`;

describe("names in the wild", () => {
  it("validate accepts them, warning at each name that the reference engine refuses it", async () => {
    const file = write("wild.yaml", WILD);
    const r = await runCli(["validate", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ok");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        `${file}:${lineOf(WILD, '"stripe env"')}:16 binds[0].namespace: warning: binds namespace "stripe env" has characters outside [A-Za-z0-9-]; accepted, as every use of it ({{<namespace>.VARIABLE}}) is unambiguous, but the Naftiko schema and its reference engine refuse it`,
        `${file}:${lineOf(WILD, '"stripe:invoices"')}:18 capability.consumes[0].namespace: warning: consumes namespace "stripe:invoices" has characters outside [A-Za-z0-9-]; accepted, as every use of it (call: <namespace>.<operation>, --base-uri <namespace>=<url>) is unambiguous, but the Naftiko schema and its reference engine refuse it`,
        `${file}:${lineOf(WILD, "v1-Invoice Items")}:17 capability.consumes[0].resources[0].name: warning: resource name "v1-Invoice Items" has characters outside [A-Za-z0-9_-]; accepted, as nothing refers to a resource by its name, but the Naftiko schema and its reference engine refuse it`,
        `${file}:${lineOf(WILD, '"stripe:rest"')}:18 capability.exposes[0].namespace: warning: exposes namespace "stripe:rest" has characters outside [A-Za-z0-9-]; accepted, as every use of it (with: <namespace>.<input>, --port <namespace>=<port>) is unambiguous, but the Naftiko schema and its reference engine refuse it`,
        expect.stringContaining('resources[0].name: warning: resource name "Invoice Items"'),
      ]),
    );
    expect(lines).toHaveLength(5);
  });

  it("an Ikanos file (the same one migrated) is read the same way: accepted, with the same warnings", async () => {
    const file = write("wild.yaml", WILD);
    const beta5 = path.join(path.dirname(file), "wild-beta5.yaml");
    const migrated = await runCli(["migrate", file, "--to", "1.0.0-beta5", "-o", beta5]);
    expect(migrated.code, migrated.stderr).toBe(0);
    const r = await runCli(["validate", beta5]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("ok (ikanos 1.0.0-beta5)");
    const warnings = r.stderr.trim().split("\n");
    expect(warnings).toHaveLength(5);
    expect(warnings.every((w) => w.includes("warning:"))).toBe(true);
  });

  it.each([
    [
      "a dot in a consumes namespace",
      ['"stripe:invoices"', '"stripe.invoices"'],
      'consumes namespace "stripe.invoices" contains ".": where it is used (call: <namespace>.<operation>, --base-uri <namespace>=<url>) it could not be told apart from what follows it',
    ],
    [
      "= in an exposes namespace",
      ['"stripe:rest"', '"stripe=rest"'],
      'exposes namespace "stripe=rest" contains "=": where it is used (with: <namespace>.<input>, --port <namespace>=<port>) it could not be told apart from what follows it',
    ],
    [
      "a brace in a binds namespace",
      ['"stripe env"', '"stripe{env"'],
      'binds namespace "stripe{env" contains "{": where it is used ({{<namespace>.VARIABLE}}) it could not be told apart from what follows it',
    ],
    [
      "a trailing space in a consumes namespace",
      ['"stripe:invoices"', '"stripe:invoices "'],
      'consumes namespace "stripe:invoices " contains a leading or trailing space',
    ],
  ])("validate refuses %s, saying which use would be ambiguous", async (_, [from, to], message) => {
    const text = WILD.replace(from, to);
    const file = write(`bad-${to.replace(/\W/g, "")}.yaml`, text);
    const r = await runCli(["validate", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:${lineOf(text, to)}:\\d+ \\S+\\.namespace: ${message.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`,
        "m",
      ),
    );
  });

  describe("served", () => {
    let upstream: RecordingUpstream;
    let proc: Awaited<ReturnType<typeof spawnServe>>;
    beforeAll(async () => {
      upstream = await startRecordingUpstream();
      proc = await spawnServe([write("served.yaml", WILD), "--base-uri", `stripe:invoices=${upstream.url}`, "--port", "stripe:rest=0"], {
        STRIPE_KEY: "sk_test_names",
      });
    });
    afterAll(async () => {
      await proc?.stop();
      await upstream?.stop();
    });

    it("the call, the with prefix, the bind and --base-uri all find their namespace", async () => {
      const res = await fetch(`${proc.urls["stripe:rest"]}/items/ii_42`);
      expect(res.status, await res.clone().text()).toBe(200);
      expect(upstream.requests).toHaveLength(1);
      expect(upstream.requests[0].path).toBe("/v1/invoiceitems/ii_42");
      expect(upstream.requests[0].headers.authorization).toBe("Bearer sk_test_names");
    });
  });
});

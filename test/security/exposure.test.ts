/**
 * Every exposes block listens on 127.0.0.1 unless the file or the command line
 * says otherwise; listening elsewhere without server authentication prints a warning; the MCP
 * endpoint refuses foreign Host and Origin headers (DNS rebinding).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { serveCapability } from "../../src/serve.js";
import { loadCapability } from "../../src/spec/load.js";
import { FAULTS_FILE, startFaults } from "../support/faults.js";
import { freePort } from "../support/ports.js";
import { rawRequest } from "../support/raw-http.js";
import { tempDir } from "../support/temp.js";

const WARNING = /warning: (rest|mcp) (\S+) listens on (\S+) without authentication/;

describe("exposure", () => {
  it("binds every block to 127.0.0.1 by default, without a warning", async () => {
    const rig = await startFaults();
    try {
      expect(rig.served.listeners.map((l) => l.address)).toEqual(["127.0.0.1", "127.0.0.1"]);
      expect(rig.logs.some((l) => WARNING.test(l))).toBe(false);
    } finally {
      await rig.stop();
    }
  });

  it("warns for each block the command line opens to other hosts", async () => {
    const rig = await startFaults({ hosts: { "faults-rest": "0.0.0.0" } });
    try {
      const warned = rig.logs.filter((l) => WARNING.test(l)).map((l) => WARNING.exec(l)!.slice(1));
      expect(warned).toEqual([["rest", "faults-rest", "0.0.0.0"]]);
      expect(rig.served.listeners.find((l) => l.namespace === "faults-mcp")!.address).toBe("127.0.0.1");
    } finally {
      await rig.stop();
    }
  });

  it("warns when the file's own address opens a block, and not when that block has authentication", async () => {
    const dir = tempDir("naftiko-exposure-");
    const text = readFileSync(FAULTS_FILE, "utf8");
    const open = path.join(dir, "open.naftiko.yaml");
    writeFileSync(open, text.replace("    namespace: faults-mcp\n", "    namespace: faults-mcp\n    address: 0.0.0.0\n"));
    const logs: string[] = [];
    const served = await serveCapability(await loadCapability(open), {
      ports: { "faults-rest": 0, "faults-mcp": 0 },
      env: { FAULTS_KEY: "k" },
      log: (l) => logs.push(l),
    });
    await served.close();
    expect(logs.filter((l) => WARNING.test(l)).map((l) => WARNING.exec(l)![2])).toEqual(["faults-mcp"]);

    const authed = path.join(dir, "authed.naftiko.yaml");
    writeFileSync(
      authed,
      text.replace(
        "    namespace: faults-mcp\n",
        "    namespace: faults-mcp\n    address: 0.0.0.0\n    authentication:\n      type: bearer\n      token: '{{env.FAULTS_KEY}}'\n",
      ),
    );
    const quiet: string[] = [];
    const served2 = await serveCapability(await loadCapability(authed), {
      ports: { "faults-rest": 0, "faults-mcp": 0 },
      env: { FAULTS_KEY: "k" },
      log: (l) => quiet.push(l),
    });
    await served2.close();
    expect(quiet.some((l) => WARNING.test(l))).toBe(false);
  });

  it("each block listens on the address and port its file gives: rest, mcp, skill and control alike", async () => {
    const dir = tempDir("naftiko-exposure-");
    const [rest, mcp, skill, control] = await Promise.all([0, 1, 2, 3].map(() => freePort("127.0.0.2")));
    const file = path.join(dir, "cap.yml");
    // 127.0.0.2 is a loopback address other than the default: seen only if the file's address is used.
    writeFileSync(
      file,
      `naftiko: "1.0.0-alpha2"
capability:
  exposes:
    - type: rest
      address: 127.0.0.2
      port: ${rest}
      namespace: api
      resources:
        - path: /ping
          operations:
            - method: GET
              name: ping
              outputParameters:
                - type: string
                  value: pong
    - type: mcp
      address: 127.0.0.2
      port: ${mcp}
      namespace: tools
      tools:
        - name: ping
          description: Pong.
          outputParameters:
            - name: answer
              type: string
              value: pong
    - type: skill
      address: 127.0.0.2
      port: ${skill}
      namespace: skills
      skills:
        - name: pinging
          description: Pings.
    - type: control
      address: 127.0.0.2
      port: ${control}
`,
    );
    // No port on the command line: the file's ports are used.
    const served = await serveCapability(await loadCapability(file), { log: () => {} });
    try {
      expect(served.listeners.map((l) => `${l.type} ${l.address}`).sort()).toEqual([
        "control 127.0.0.2",
        "mcp 127.0.0.2",
        "rest 127.0.0.2",
        "skill 127.0.0.2",
      ]);
      for (const l of served.listeners) expect(new URL(l.url).hostname, l.type).toBe("127.0.0.2");
      expect(Object.fromEntries(served.listeners.map((l) => [l.type, l.port]))).toEqual({ rest, mcp, skill, control });
      const url = (type: string) => served.listeners.find((l) => l.type === type)!.url;
      expect(await (await fetch(`${url("rest")}/ping`)).text()).toBe('"pong"');
      expect((await fetch(`${url("skill")}/skills`)).status).toBe(200);
      expect((await fetch(`${url("control")}/health/live`)).status).toBe(200);
    } finally {
      await served.close();
    }
  });

  it("the MCP endpoint answers 403 to a foreign Host or Origin, and serves loopback ones", async () => {
    const rig = await startFaults();
    try {
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
      const headers = { "content-type": "application/json" };
      const target = new URL(rig.mcp).pathname;
      const port = new URL(rig.mcp).port;
      const foreign: Array<Record<string, string>> = [
        { host: "evil.example" },
        { host: `evil.example:${port}` },
        { origin: "http://evil.example" },
        { origin: "null" },
      ];
      for (const extra of foreign) {
        const r = await rawRequest(rig.mcp, "POST", target, { ...headers, ...extra }, body);
        expect(r.status).toBe(403);
      }
      const local: Array<Record<string, string>> = [
        {},
        { host: `localhost:${port}` },
        { origin: `http://127.0.0.1:${port}` },
        { origin: "http://localhost:3000" },
      ];
      for (const extra of local) {
        const r = await rawRequest(rig.mcp, "POST", target, { ...headers, ...extra }, body);
        expect(r.status).toBe(200);
      }
    } finally {
      await rig.stop();
    }
  });
});

/**
 * Docker cannot build here and there is no cluster, so the deployment files are linted: the Kubernetes
 * manifests parse and hang together (labels, ports, probes, Secret, HPA target), and the Dockerfile is
 * multi-stage, non-root, with a HEALTHCHECK on the control port, and starts Node with the serving
 * flags (which this Node accepts), as the bench's baseline does; no source file sets a V8 flag from
 * inside the process.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { SERVING_NODE_FLAGS } from "../../src/node-flags.js";
import { CLI, ROOT, runCommand } from "../support/cli.js";

type Obj = Record<string, any>;

function manifests(): Obj[] {
  const dir = path.join(ROOT, "deploy");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
    .flatMap((f) =>
      parseAllDocuments(readFileSync(path.join(dir, f), "utf8")).map((d) => {
        expect(d.errors, f).toEqual([]);
        return { ...(d.toJS() as Obj), __file: f };
      }),
    );
}

describe("deploy/ Kubernetes manifests", () => {
  const all = manifests();
  const one = (kind: string) => {
    const found = all.filter((m) => m.kind === kind);
    expect(found, kind).toHaveLength(1);
    return found[0];
  };

  it("every manifest has apiVersion, kind and metadata.name; kustomization lists them all", () => {
    for (const m of all) {
      expect(m.apiVersion, m.__file).toBeTruthy();
      expect(m.kind, m.__file).toBeTruthy();
      expect(m.metadata?.name, m.__file).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const kustomization = parseAllDocuments(readFileSync(path.join(ROOT, "deploy/kustomization.yaml"), "utf8"))[0].toJS() as Obj;
    expect([...kustomization.resources].sort()).toEqual([...new Set(all.map((m) => m.__file))].sort());
  });

  it("Deployment: non-root, probes on the control port, API key from a Secret, capability from a ConfigMap", () => {
    const d = one("Deployment");
    expect(d.apiVersion).toBe("apps/v1");
    const pod = d.spec.template.spec;
    expect(d.spec.selector.matchLabels).toEqual(expect.objectContaining(d.spec.template.metadata.labels));
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
    const c = pod.containers[0];
    const ports = Object.fromEntries(c.ports.map((p: Obj) => [p.name, p.containerPort]));
    expect(ports).toEqual({ rest: 8080, mcp: 9090, control: 9091 });
    expect(c.args).toEqual(expect.arrayContaining(["--control-port", String(ports.control), "--host", "0.0.0.0"]));
    expect(c.livenessProbe.httpGet).toEqual({ path: "/health/live", port: "control" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/health/ready", port: "control" });
    const key = c.env.find((e: Obj) => e.name === "EQUINIX_API_KEY");
    expect(key.valueFrom.secretKeyRef).toEqual({ name: expect.any(String), key: "EQUINIX_API_KEY" });
    expect(JSON.stringify(d)).not.toMatch(/"value":\s*"[^"]*key/i);
    // The capability path in args is inside the ConfigMap mount.
    const mount = c.volumeMounts.find((v: Obj) => v.name === "capability");
    expect(c.args[0].startsWith(`${mount.mountPath}/`)).toBe(true);
    expect(pod.volumes.find((v: Obj) => v.name === "capability").configMap.name).toBeTruthy();
    // SIGTERM drains (--grace, 10 s default) within the pod's grace period.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(10);
  });

  it("Service selects the Deployment's pods and targets its named ports", () => {
    const d = one("Deployment");
    const s = one("Service");
    const labels = d.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(s.spec.selector)) expect(labels[k]).toBe(v);
    const named = d.spec.template.spec.containers[0].ports.map((p: Obj) => p.name);
    for (const p of s.spec.ports) expect(named).toContain(p.targetPort);
    expect(s.spec.sessionAffinity ?? "None").toBe("None");
  });

  it("HorizontalPodAutoscaler scales that Deployment", () => {
    const d = one("Deployment");
    const h = one("HorizontalPodAutoscaler");
    expect(h.apiVersion).toBe("autoscaling/v2");
    expect(h.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: d.metadata.name });
    expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(h.spec.maxReplicas).toBeGreaterThan(h.spec.minReplicas);
    expect(d.spec.template.spec.containers[0].resources.requests.cpu).toBeTruthy();
  });
});

describe("Dockerfile", () => {
  const text = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  const lines = text.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
  const stages = lines.filter((l) => /^FROM\s/i.test(l));
  const last = lines.slice(lines.lastIndexOf(stages[stages.length - 1]));

  it("is multi-stage and copies only the build output into the final stage", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(last.some((l) => /COPY --from=build .*dist/.test(l))).toBe(true);
    expect(last.some((l) => /npm (ci|install)/.test(l))).toBe(false);
  });

  it("runs as a non-root user with a HEALTHCHECK on the control port's /health/live", () => {
    const user = last.filter((l) => /^USER\s/.test(l)).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(:|\s|$)/);
    const health = text.slice(text.indexOf("HEALTHCHECK"));
    expect(health).toMatch(/127\.0\.0\.1:9091\/health\/live/);
    const cmd = last.find((l) => /^CMD\s/.test(l))!;
    expect(JSON.parse(cmd.replace(/^CMD\s+/, ""))).toEqual(expect.arrayContaining(["--control-port", "9091", "--host", "0.0.0.0"]));
  });

  it("copies only files that exist", () => {
    for (const l of lines.filter((x) => /^COPY\s/.test(x) && !x.includes("--from="))) {
      const sources = l
        .replace(/^COPY\s+/, "")
        .split(/\s+/)
        .slice(0, -1);
      for (const src of sources) {
        const resolved = src.replace("${CAPABILITY}", "metal-interconnections.naftiko.yaml");
        expect(() => readFileSync(path.join(ROOT, resolved)), resolved).not.toThrow(/ENOENT/);
      }
    }
  });

  it("starts Node with the serving flags of src/node-flags.ts, which this Node accepts", async () => {
    const entrypoint = JSON.parse(lines.find((l) => /^ENTRYPOINT\s/.test(l))!.replace(/^ENTRYPOINT\s+/, "")) as string[];
    expect(entrypoint.slice(0, entrypoint.indexOf("/app/bin/naftiko.js"))).toEqual(["node", ...SERVING_NODE_FLAGS]);
    const r = await runCommand(process.execPath, [...SERVING_NODE_FLAGS, CLI, "--version"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("is the Node the bench gives the runtime and its baseline proxy alike", async () => {
    const bench = (await import(path.join(ROOT, "bench/cli.mjs"))) as { NODE_FLAGS: string[]; CLI_ARGS: string[] };
    expect(bench.NODE_FLAGS).toEqual(SERVING_NODE_FLAGS);
    expect(bench.CLI_ARGS).toEqual([...SERVING_NODE_FLAGS, CLI]);
  });
});

describe("Node flags", () => {
  it("are never set from inside the process (V8 reads them at start; Node warns against it)", () => {
    const offenders = readdirSync(path.join(ROOT, "src"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .filter((f) => /setFlagsFromString/.test(readFileSync(path.join(ROOT, "src", f), "utf8")));
    expect(offenders).toEqual([]);
  });
});

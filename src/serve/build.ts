import { DOCS_PATHS, mountDocs } from "../exposes/rest/docs.js";
import { openApiDocument } from "../exposes/rest/openapi.js";
import { restApp } from "../exposes/rest/server.js";
import type { RuntimeLogger } from "../observability/log.js";
import type { Observer } from "../observability/observer.js";
import { createRuntime } from "../runtime.js";
import type { Capability } from "../spec/load.js";
import type { ExposesMcp, ExposesRest, ExposesSkill } from "../spec/model.js";
import { VERSION } from "../version.js";
import type { BlockApp, Generation } from "./generation.js";
import { mcpApp, type McpCode } from "./mcp.js";
import type { ServeOptions } from "./options.js";

type SkillCode = Awaited<ReturnType<typeof loadSkill>>;

/** Skill blocks are Hono apps too; loaded only for a capability that has one. */
export async function loadSkill() {
  const [{ skillApp }, { getRequestListener }] = await Promise.all([import("../exposes/skill/server.js"), import("@hono/node-server")]);
  return { skillApp, getRequestListener };
}

/** What every version is built with: the process's options, observer and logging, and the code loaded for it. */
export interface Builder {
  options: ServeOptions;
  observer: Observer;
  logging: RuntimeLogger;
  maxBodySize: number;
  stdioBlock?: ExposesMcp;
  skillCode?: SkillCode;
  /** Set once the MCP side has loaded (after the other blocks listen); MCP apps are built from then on. */
  mcpCode?: McpCode;
}

/** Builds one version of the capability: a runtime, and an app for each exposes block it serves. */
export function buildGeneration(b: Builder, cap: Capability): Generation {
  const { observer } = b;
  const runtime = createRuntime(cap, {
    ...b.options,
    instrument: { plan: (p) => observer.instrumentPlan(p), forward: (f) => observer.instrumentForward(f) },
  });
  b.logging.setScrub((line) => runtime.redactor.redact(line));
  const apps = new Map<string, BlockApp>();
  for (const block of cap.exposes) {
    if (block.type === "mcp") {
      if (b.mcpCode) apps.set(block.namespace, mcpApp(b.mcpCode, block as ExposesMcp, runtime, b));
      continue;
    }
    if (block.type === "skill") {
      apps.set(block.namespace, { listener: b.skillCode!.getRequestListener(b.skillCode!.skillApp(block as ExposesSkill, runtime).fetch) });
      continue;
    }
    if (block.type !== "rest") continue;
    const rest = block as ExposesRest;
    const built = restApp(rest, runtime, {
      maxBodySize: b.maxBodySize,
      observe: (info, incoming) => observer.start(info, incoming),
      pages: {
        paths: DOCS_PATHS,
        mount: (app, routes) =>
          mountDocs(app, cap.info?.display ?? rest.namespace, (origin) =>
            openApiDocument(cap, rest, routes, { serverUrl: origin, runtimeVersion: VERSION }),
          ),
      },
    });
    apps.set(rest.namespace, { listener: built.listener, routes: built.routes });
  }
  return { capability: cap, runtime, apps, inFlight: 0, retired: false };
}

/** Gives a version the apps of its MCP blocks, once the MCP side has loaded. */
export function addMcpApps(b: Builder, g: Generation): void {
  for (const block of g.capability.exposes)
    if (block.type === "mcp") g.apps.set(block.namespace, mcpApp(b.mcpCode!, block as ExposesMcp, g.runtime, b));
}

export async function closeGeneration(g: Generation): Promise<void> {
  await Promise.all([...g.apps.values()].map((a) => a.close?.()));
  await g.runtime.close();
}

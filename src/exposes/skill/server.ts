/**
 * The `type: skill` exposes block: a read-only catalog of agent skills over HTTP, as the reference
 * engine serves it. It executes nothing; its tools point at sibling REST operations or MCP tools
 * (`from`), or at instruction files under the skill's `location` directory.
 *
 * - `GET /skills` → `{count, skills: [{name, description, license?, tools: [tool names]}]}`
 * - `GET /skills/{name}` → the skill's metadata and `tools: [{name, description, type: "derived",
 *   invocationRef: {targetNamespace, action, mode: "mcp"|"rest"}} | {…, type: "instruction",
 *   instruction}]`
 * - `GET /skills/{name}/download` → a ZIP of the `location` directory
 * - `GET /skills/{name}/contents` → `{name, files: [{path, size, type}]}`
 * - `GET /skills/{name}/contents/{file}` → one file (each path segment `[A-Za-z0-9._-]+`, never
 *   outside the directory)
 *
 * Unknown skill, no `location`, or a missing file → 404; the block's `authentication` guards it all.
 */
import { fs } from "../../builtins.js";
import type { Stats } from "node:fs";
import path from "node:path";
import { Hono, type Context } from "hono";
import type { Runtime } from "../../runtime.js";
import { locationPath } from "../../spec/binds.js";
import type { ExposesSkill, Skill } from "../../spec/model.js";
import { compileServerAuth, requireAuth } from "../auth.js";
import { isBelow } from "../../within.js";
import { zip } from "./zip.js";

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
const OPTIONAL = ["license", "compatibility", "argument-hint", "allowed-tools", "user-invocable", "disable-model-invocation"] as const;

const MEDIA_TYPES: Record<string, string> = {
  md: "text/markdown",
  markdown: "text/markdown",
  txt: "text/plain",
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  xml: "application/xml",
  html: "text/html",
  htm: "text/html",
  csv: "text/csv",
  js: "application/javascript",
  ts: "text/plain",
  py: "text/x-python",
  sh: "application/x-sh",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  pdf: "application/pdf",
  zip: "application/zip",
};

export function mediaType(file: string): string {
  const ext = path.extname(file).slice(1).toLowerCase();
  return MEDIA_TYPES[ext] ?? "application/octet-stream";
}

/** Builds the Hono app of one `type: skill` block. */
export function skillApp(block: ExposesSkill, runtime: Runtime): Hono {
  const skills = block.skills;
  const capabilityFile = runtime.capability.file;
  const modes = new Map<string, string>();
  for (const b of runtime.capability.exposes) {
    if ((b.type === "rest" || b.type === "mcp") && b.namespace) modes.set(b.namespace, b.type);
  }
  const app = new Hono();
  app.use("*", requireAuth(compileServerAuth(block.authentication, runtime.binds, block.namespace)));

  const find = (c: Context) => skills.find((s) => s.name === c.req.param("name"));
  const notFound = (c: Context, message: string) => c.json({ error: "not_found", message }, 404);
  /** The skill's location directory, or why there is none. */
  const rootOf = (skill: Skill): string | { missing: string } => {
    if (!skill.location) return { missing: `No location configured for skill: ${skill.name}` };
    let dir: string;
    try {
      dir = locationPath(skill.location, capabilityFile);
    } catch {
      return { missing: `Location directory not found for skill: ${skill.name}` };
    }
    const st = statOrNull(dir);
    return st?.isDirectory() ? dir : { missing: `Location directory not found for skill: ${skill.name}` };
  };

  app.get("/skills", (c) =>
    c.json({
      count: skills.length,
      skills: skills.map((s) => ({
        name: s.name,
        description: s.description,
        ...(s.license ? { license: s.license } : {}),
        tools: (s.tools ?? []).map((t) => t.name),
      })),
    }),
  );

  app.get("/skills/:name", (c) => {
    const skill = find(c);
    if (!skill) return notFound(c, `Skill not found: ${c.req.param("name")}`);
    const out: Record<string, unknown> = { name: skill.name, description: skill.description };
    for (const k of OPTIONAL) if (skill[k] !== undefined) out[k] = skill[k];
    if (skill.metadata && Object.keys(skill.metadata).length) out.metadata = skill.metadata;
    out.tools = (skill.tools ?? []).map((t) =>
      t.from
        ? {
            name: t.name,
            description: t.description,
            type: "derived",
            invocationRef: {
              targetNamespace: t.from.sourceNamespace,
              action: t.from.action,
              mode: modes.get(t.from.sourceNamespace) ?? "unknown",
            },
          }
        : { name: t.name, description: t.description, type: "instruction", instruction: t.instruction },
    );
    return c.json(out);
  });

  app.get("/skills/:name/download", (c) => {
    const skill = find(c);
    if (!skill) return notFound(c, `Skill not found: ${c.req.param("name")}`);
    const root = rootOf(skill);
    if (typeof root !== "string") return notFound(c, root.missing);
    const archive = zip(
      listFiles(root).map((f) => ({ name: f.path, data: fs.readFileSync(path.join(root, f.path)), modified: f.stat.mtime })),
    );
    return new Response(archive, {
      status: 200,
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${skill.name}.zip"`,
        "content-length": String(archive.length),
      },
    });
  });

  app.get("/skills/:name/contents", (c) => {
    const skill = find(c);
    if (!skill) return notFound(c, `Skill not found: ${c.req.param("name")}`);
    const root = rootOf(skill);
    if (typeof root !== "string") return notFound(c, root.missing);
    return c.json({ name: skill.name, files: listFiles(root).map((f) => ({ path: f.path, size: f.stat.size, type: mediaType(f.path) })) });
  });

  app.get("/skills/:name/contents/*", (c) => {
    const skill = find(c);
    if (!skill) return notFound(c, `Skill not found: ${c.req.param("name")}`);
    const root = rootOf(skill);
    if (typeof root !== "string") return notFound(c, root.missing);
    const prefix = `/skills/${encodeURIComponent(skill.name)}/contents/`;
    const rawPath = new URL(c.req.url).pathname;
    const rel = rawPath.startsWith(prefix) ? rawPath.slice(prefix.length) : "";
    let segments: string[];
    try {
      segments = rel.split("/").map(decodeURIComponent);
    } catch {
      segments = [""];
    }
    if (!segments.every((s) => SAFE_SEGMENT.test(s) && s !== "." && s !== "..")) {
      return c.json({ error: "bad_request", message: "unsafe path: each segment must match [A-Za-z0-9._-]+" }, 400);
    }
    const file = path.resolve(root, ...segments);
    // Resolved for real, so a symbolic link cannot lead out of the skill's directory either.
    const real = statOrNull(file)?.isFile() ? fs.realpathSync(file) : undefined;
    if (!real || !isBelow(real, fs.realpathSync(root))) return notFound(c, `File not found: ${segments.join("/")}`);
    const data = fs.readFileSync(file);
    return new Response(data, { status: 200, headers: { "content-type": mediaType(file), "content-length": String(data.length) } });
  });

  app.all("/skills/*", (c) => {
    c.header("Allow", "GET");
    return c.json(
      { error: "method_not_allowed", message: `${c.req.method} is not allowed; the skill catalog is read-only` },
      c.req.method === "GET" ? 404 : 405,
    );
  });
  app.notFound((c) => c.json({ error: "not_found", message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
  return app;
}

function statOrNull(p: string): Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

/** Regular files under `root`, depth first, sorted, as `/`-separated relative paths. */
function listFiles(root: string): Array<{ path: string; stat: Stats }> {
  const out: Array<{ path: string; stat: Stats }> = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const abs = path.join(dir, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(abs, r);
      else if (entry.isFile()) out.push({ path: r, stat: fs.statSync(abs) });
    }
  };
  walk(root, "");
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * `naftiko build`: one executable per capability, as a Node single-executable application (SEA).
 *
 * 1. esbuild bundles the runtime (dist/, with every npm dependency) into one CommonJS script whose
 *    entry serves the embedded capability (`dist/sea/entry.js`);
 * 2. the capability file (and the files it imports), the optional OpenAPI document, package.json and
 *    the schemas of every spec version are SEA assets; a prelude, run before any module, writes
 *    them to a private temporary directory (removed at exit) so the runtime reads them as it
 *    always does;
 * 3. `node --experimental-sea-config` makes the blob and `postject` injects it into a copy of this
 *    `node` binary.
 * The result needs no node_modules and no Node.js install; it runs on the same OS and architecture.
 */
import { util } from "../builtins.js";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { docsAssetFiles } from "../exposes/rest/docs.js";
import { SERVING_NODE_FLAGS } from "../node-flags.js";
import { SEA_WORKER } from "../orchestration/sandbox/pool.js";
import { scriptSteps } from "../spec/scripts.js";
import type { Capability } from "../spec/load.js";

const run = util.promisify(execFile);
/**
 * The fuse Node's SEA support looks for; fixed for every Node version that has SEA. Assembled at run
 * time: this module is itself in the bundle, and postject refuses a binary where the fuse occurs twice.
 */
const SEA_FUSE = ["NODE", "SEA", "FUSE", "fce680ab2cc467b6e072b8b5df1996b2"].join("_");

export interface BuildOptions {
  output: string;
  /** OpenAPI document to embed and use as `--openapi`. */
  openapi?: string;
  log?: (line: string) => void;
}

export interface BuildResult {
  output: string;
  bytes: number;
  assets: string[];
  /** The Node flags the binary starts with (none when this Node cannot embed them). */
  nodeFlags: string[];
}

/** The package root of this runtime (where package.json, dist/ and schema/ are). */
function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
}

export async function buildExecutable(capability: Capability, options: BuildOptions): Promise<BuildResult> {
  const log = options.log ?? (() => {});
  const root = packageRoot();
  const major = Number(process.versions.node.split(".")[0]);
  const minor = Number(process.versions.node.split(".")[1]);
  if (major < 20 || (major === 20 && minor < 12))
    throw new Error(`building needs Node.js 20.12 or later (SEA assets); this is ${process.version}`);
  const nodeBinary = await readFile(process.execPath);
  if (!nodeBinary.includes(SEA_FUSE))
    throw new Error(`${process.execPath} was built without single-executable support (no SEA fuse); use an official Node.js build`);

  const work = await mkdtemp(path.join(tmpdir(), "naftiko-build-"));
  try {
    // Assets: the capability and what it imports, under paths relative to the capability's folder.
    const capDir = path.dirname(capability.file);
    const assets: Record<string, string> = {};
    const capabilityFiles: string[] = [];
    for (const file of capability.files) {
      const rel = path.relative(capDir, file);
      if (rel.startsWith("..") || path.isAbsolute(rel))
        throw new Error(
          `${file} is outside ${capDir}; an embedded capability reads only files in its own folder or below (imports, scripts, prompt files, static resource directories)`,
        );
      const name = `capability/${rel.split(path.sep).join("/")}`;
      assets[name] = file;
      capabilityFiles.push(name);
    }
    let openapiAsset: string | undefined;
    if (options.openapi) {
      openapiAsset = `capability/${path.basename(options.openapi)}`;
      assets[openapiAsset] = path.resolve(options.openapi);
    }
    assets["package.json"] = path.join(root, "package.json");
    // Every version's schema: the capability and each file it imports is validated by its own version.
    for (const name of (await readdir(path.join(root, "schema"))).filter((f) => f.endsWith(".json"))) {
      assets[`schema/${name}`] = path.join(root, "schema", name);
    }
    // /docs serves Swagger UI's files from the installed package: embed the ones it uses.
    for (const [name, file] of Object.entries(docsAssetFiles())) assets[`node_modules/swagger-ui-dist/${name}`] = file;

    const esbuild = await import("esbuild").catch(() => {
      throw new Error('esbuild is not installed; run "npm install" in the runtime package (it is a dependency)');
    });
    if (scriptSteps(capability).length) {
      // Script steps run in worker threads, each started from a file: their sandbox is a bundle of its own.
      const worker = path.join(work, SEA_WORKER);
      log(`bundling the script sandbox with esbuild`);
      await esbuild.build({
        entryPoints: [path.join(root, "dist/orchestration/sandbox/worker.js")],
        bundle: true,
        platform: "node",
        format: "cjs",
        target: `node${major}`,
        outfile: worker,
        logLevel: "silent",
        legalComments: "none",
      });
      assets[SEA_WORKER] = worker;
    }

    const manifest = {
      label: capability.info?.display ?? path.basename(capability.file),
      file: path.basename(capability.file),
      capability: `capability/${path.basename(capability.file)}`,
      openapi: openapiAsset,
      files: Object.keys(assets),
      // Where the capability was built from: an absolute script location under it is the embedded copy.
      origin: capDir,
    };
    const bundle = path.join(work, "naftiko-sea.cjs");
    log(`bundling the runtime with esbuild`);
    await esbuild.build({
      entryPoints: [path.join(root, "dist/sea/entry.js")],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: `node${major}`,
      outfile: bundle,
      // Every module sees the extracted package as its location: schema and version are read from there.
      define: { "import.meta.url": "__naftiko_meta_url" },
      banner: { js: prelude(manifest) },
      // The build tools themselves are not needed by a binary that only serves.
      external: ["esbuild", "postject"],
      logLevel: "silent",
      legalComments: "none",
    });

    const blob = path.join(work, "sea.blob");
    // execArgv: the serving flags (src/node-flags.ts), applied when the binary starts. Node 20 ignores
    // the field; the binary then runs on V8's defaults, which the check below reports.
    const config = {
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: false,
      execArgv: SERVING_NODE_FLAGS,
      assets,
    };
    await writeFile(path.join(work, "sea-config.json"), JSON.stringify(config, null, 2));
    log(`making the SEA blob`);
    await run(process.execPath, ["--experimental-sea-config", path.join(work, "sea-config.json")], { cwd: work });

    const output = path.resolve(options.output);
    await mkdir(path.dirname(output), { recursive: true });
    const staging = path.join(work, "naftiko-binary");
    await copyFile(process.execPath, staging);
    await chmod(staging, 0o755);
    log(`injecting it into a copy of ${process.execPath}`);
    let cli: string;
    try {
      cli = createRequire(import.meta.url).resolve("postject/dist/cli.js");
    } catch {
      throw new Error('postject is not installed; run "npm install" in the runtime package (it is a dependency)');
    }
    // In a child process: its ELF library prints harmless warnings ("Can't find string offset") that
    // would bury our output; they are shown only if injection fails.
    const args = [
      cli,
      staging,
      "NODE_SEA_BLOB",
      blob,
      "--sentinel-fuse",
      SEA_FUSE,
      "--overwrite",
      ...(process.platform === "darwin" ? ["--macho-segment-name", "NODE_SEA"] : []),
    ];
    await run(process.execPath, args, { maxBuffer: 16 << 20 }).catch((e: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`postject failed: ${[e.stdout, e.stderr].join("\n").trim() || e.message}`);
    });
    // A binary that cannot start is not a build: run it once, and read back the flags it got.
    const version = await run(staging, ["--version"], { cwd: work, env: { PATH: process.env.PATH } }).catch(
      (e: Error & { stderr?: string }) => {
        throw new Error(`the built binary does not start: ${e.stderr?.trim() || e.message}`);
      },
    );
    const flags = /Node flags: (.*)$/m.exec(version.stdout)?.[1] ?? "none";
    const nodeFlags = flags === "none" ? [] : flags.split(" ");
    await copyFile(staging, output);
    await chmod(output, 0o755);
    const bytes = (await readFile(output)).length;
    return { output, bytes, assets: Object.keys(assets), nodeFlags };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Runs before any bundled module: writes the embedded assets to a private temporary directory (laid out
 * like the package: package.json, schema/, capability/) and points `import.meta.url` there.
 */
function prelude(manifest: { label: string; file: string; capability: string; openapi?: string; files: string[]; origin: string }): string {
  const id = createHash("sha256").update(JSON.stringify(manifest)).digest("hex").slice(0, 12);
  return `"use strict";
var __naftiko_sea = (function () {
  var sea = require("node:sea"), fs = require("node:fs"), os = require("node:os"), path = require("node:path"), url = require("node:url");
  var manifest = ${JSON.stringify(manifest)};
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), "naftiko-${id}-"));
  fs.chmodSync(dir, 0o700);
  for (var i = 0; i < manifest.files.length; i++) {
    var target = path.join(dir, manifest.files[i]);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, Buffer.from(sea.getAsset(manifest.files[i])));
  }
  process.on("exit", function () { try { fs.rmSync(dir, { recursive: true, force: true }); } catch (e) {} });
  return {
    dir: dir,
    label: manifest.label,
    file: manifest.file,
    capability: path.join(dir, manifest.capability),
    openapi: manifest.openapi ? path.join(dir, manifest.openapi) : undefined,
    origin: manifest.origin,
    metaUrl: url.pathToFileURL(path.join(dir, "dist", "naftiko.js")).href,
  };
})();
var __naftiko_meta_url = __naftiko_sea.metaUrl;
globalThis.__naftiko_sea = __naftiko_sea;
`;
}

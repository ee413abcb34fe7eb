/**
 * A capability with script steps built into one executable: the sandbox worker and the script files
 * travel in the binary. The scripts' absolute `location` names the build machine's folder, which is
 * moved away before the binary runs, so the answer can only come from the embedded copy; the
 * sandbox's limits hold there too.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startRecordingUpstream } from "../support/recording-upstream.js";
import { REST, scriptCapability, serveArgs, shop } from "../scripting/capability.js";
import { need, SEA } from "../support/prerequisites.js";
import { tempDir } from "../support/temp.js";

const work = tempDir("naftiko-sea-script-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("a binary runs its embedded script steps in the sandbox", async (ctx) => {
  need(ctx, SEA);
  const cap = scriptCapability({
    routes: [
      { name: "summary", step: 'file: summary.js\ndependencies: [lib/sum.js]\nwith:\n  who: "{{customer.name}}"' },
      { name: "spin", calls: false, step: "file: spin.js" },
    ],
    scripts: {
      "summary.js": "result = { who: context.who, total: sum(context.orders.map(function (o) { return o.amount; })) };\n",
      "lib/sum.js": "function sum(xs) { return xs.reduce(function (a, b) { return a + b; }, 0); }\n",
      "spin.js": "for (;;) {}\n",
    },
    scripting: "timeout: 1000\nstatementLimit: 1000000000000\ndefaultLanguage: javascript\ndefaultLocation: SCRIPTS",
  });
  // An absolute location, as most files write it: the build machine's folder.
  writeFileSync(cap.file, readFileSync(cap.file, "utf8").replace("SCRIPTS", `"file://${cap.dir}/scripts"`));

  const binary = path.join(work, "shop");
  const built = await runCli(["build", cap.file, "-o", binary], {}, 90_000);
  expect(built.code, built.stderr).toBe(0);
  renameSync(path.join(cap.dir, "scripts"), path.join(cap.dir, "moved-away"));

  const upstream = await startRecordingUpstream(shop);
  const empty = mkdtempSync(path.join(work, "run-"));
  const child = spawn(binary, serveArgs(cap, upstream.url).slice(1), { cwd: empty, env: {}, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let stderr = "";
    const rest = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`binary not ready:\n${stderr}`)), 20_000);
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
        const m = new RegExp(`naftiko: rest ${REST} listening on (http://[^\\s"]+)`).exec(stderr);
        if (m && stderr.includes("naftiko: ready")) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once("exit", (code) => reject(new Error(`binary exited with ${code}:\n${stderr}`)));
    });
    const res = await fetch(`${rest}/run/summary/c2`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ out: { who: "Customer c2", total: 49.5 } });

    const spin = await fetch(`${rest}/run/spin/c2`);
    expect(spin.status).toBe(500);
    expect(await spin.json()).toEqual({ error: "script_failed", message: 'script step "spin" exceeded the timeout limit (1000 ms)' });
    expect((await fetch(`${rest}/run/summary/c1`)).status).toBe(200);

    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await upstream.stop();
  }
}, 120_000);

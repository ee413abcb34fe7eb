/**
 * `npm run demo`: serves the flagship capability against a local Prism mock of the Equinix Metal
 * Interconnections API (the real one was shut down in 2026), with a demo API key.
 * Ctrl-C stops both.
 */
import { spawn } from "node:child_process";
import { startPrism } from "../test/support/prism.js";
import { CLI, ROOT } from "../test/support/cli.js";

const prism = await startPrism();
process.stderr.write(`demo: Prism mock of the Metal Interconnections API on ${prism.url}\n`);
const child = spawn(
  process.execPath,
  [CLI, "serve", "metal-interconnections.naftiko.yaml", "--base-uri", `metal-interconnections=${prism.url}`, ...process.argv.slice(2)],
  {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, EQUINIX_API_KEY: process.env.EQUINIX_API_KEY ?? "demo-key" },
  },
);
process.stderr.write(
  [
    "demo: try",
    "  curl -s http://127.0.0.1:8080/v1/connections/73f12f29-3e19-43a0-8e90-ae81580db1e0?include=ports",
    "  curl -s http://127.0.0.1:8080/v1/projects/52000fb2-ee46-4673-93a8-de2c2bdba33c/connections?per_page=5",
    "",
  ].join("\n"),
);
const stop = () => child.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", async (code) => {
  await prism.stop();
  process.exit(code ?? 0);
});

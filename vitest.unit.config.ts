// `npm run test:unit`: the tests that run in-process, for a quick answer while working (under a
// minute on 2 cores). A test file that starts another program and waits on it (the CLI, Prism,
// nginx, Chromium, npm, a nested vitest, a built binary) is left out, found by what it calls; a
// quick synchronous tool (git, unzip) does not count. The 2,000-request load test is left out too.
// `npm test` runs everything.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "vitest/config";
import project from "./vitest.config.js";

const STARTS_A_PROGRAM = /\b(spawnServe|runCli|runCommand|spawn|startPrism|runShipyard|launch)\(/;
const SLOW = ["test/reliability/load.test.ts"];

const startsPrograms = readdirSync("test", { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => path.posix.join("test", f.split(path.sep).join("/")))
  .filter((f) => STARTS_A_PROGRAM.test(readFileSync(f, "utf8")));

export default defineConfig({
  ...project,
  test: { ...project.test, exclude: [...startsPrograms, ...SLOW, "**/node_modules/**"] },
});

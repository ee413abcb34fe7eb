// `npm run test:unit`: the tests that run in-process, for a quick answer while working (under a
// minute on 2 cores). Left out: every file that starts other programs (the CLI, Prism, nginx,
// Chromium, npm, a nested vitest, a built binary) and the 2,000-request load test. `npm test`
// runs everything.
import { defineConfig } from "vitest/config";
import project from "./vitest.config.js";

export default defineConfig({
  ...project,
  test: {
    ...project.test,
    exclude: [
      "test/build/**",
      "test/cli/**",
      "test/contract/**",
      "test/exposes/docs.test.ts",
      "test/exposes/openapi.test.ts",
      "test/import/**",
      "test/mcp/stdio.test.ts",
      "test/observability/logs.test.ts",
      "test/observability/traces.test.ts",
      "test/official/load-errors.test.ts",
      "test/openapi/**",
      "test/project/**",
      "test/reliability/config.test.ts",
      "test/reliability/load.test.ts",
      "test/reliability/shutdown.test.ts",
      "test/scale/**",
      "test/security/capability-files.test.ts",
      "test/security/secrets.test.ts",
      "test/shipyard/**",
      "test/spec/load-errors.test.ts",
      "test/upstream/prism.test.ts",
      "**/node_modules/**",
    ],
  },
});

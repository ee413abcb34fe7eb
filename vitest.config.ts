import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["./test/support/global-setup.ts"],
    setupFiles: ["./test/support/setup-file.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});

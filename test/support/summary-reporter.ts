import path from "node:path";
import type { Reporter, SerializedError, TestModule } from "vitest/node";

/**
 * Ends a run with one plain line, `tests: N passed, N failed, N not run`, the form CI logs are read
 * for (vitest's own summary is not). A test that did not run is never counted as passed: the lines
 * above the summary say which and why (a missing program, see test/support/prerequisites.ts). A
 * file that failed outside any test (in `beforeAll`, or while importing) counts as one failure, and
 * so does an error thrown outside the tests, so the line cannot read `0 failed` over a red run.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = 0;
    const notRun = new Map<string, number>();
    const brokenFiles: string[] = [];
    for (const m of modules) {
      let failedHere = 0;
      const moduleFailed = m.state() === "failed" || m.errors().length > 0;
      for (const t of m.children.allTests()) {
        const result = t.result();
        if (result.state === "passed") passed++;
        else if (result.state === "failed") {
          failed++;
          failedHere++;
        } else {
          const why =
            (result.state === "skipped" && result.note) || (moduleFailed ? "its file failed before it ran" : "skipped in the test file");
          notRun.set(why, (notRun.get(why) ?? 0) + 1);
        }
      }
      if (moduleFailed && failedHere === 0) {
        failed++;
        brokenFiles.push(path.relative(process.cwd(), m.moduleId));
      }
    }
    failed += unhandledErrors.length;
    const lines: string[] = [];
    for (const file of brokenFiles) lines.push(`failed outside its tests: ${file}`);
    if (unhandledErrors.length) lines.push(`errors outside any test: ${unhandledErrors.length}`);
    for (const [why, n] of notRun) lines.push(`not run: ${n} test${n === 1 ? "" : "s"}: ${why}`);
    const total = [...notRun.values()].reduce((a, b) => a + b, 0);
    lines.push(`tests: ${passed} passed, ${failed} failed${total ? `, ${total} not run` : ""}`);
    process.stdout.write(`\n${lines.join("\n")}\n`);
  }
}

/**
 * Runs the Shipyard suite (test/fixtures/shipyard/tests.yml) against the built CLI and prints one
 * line per case and the report line. `npm run build` first. Optional argument: a case-name filter.
 */
import { runShipyard } from "../test/support/shipyard.js";

const filter = process.argv[2];
const run = await runShipyard(filter ? (c) => c.name.includes(filter) : undefined, (line) => console.log(line));
process.exit(run.results.every((r) => r.passed) ? 0 : 1);

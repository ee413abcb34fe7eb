/**
 * Runs a Shipyard suite against the built CLI and prints one line per case and the report line.
 * `npm run build` first. Arguments: the edition (`alpha2`, the default, or `beta5`), then an
 * optional case-name filter.
 */
import { runShipyard, type Edition } from "../test/support/shipyard.js";

const [first, second] = process.argv.slice(2);
const edition: Edition = first === "beta5" || first === "alpha2" ? first : "alpha2";
const filter = first === edition ? second : first;
const run = await runShipyard(edition, filter ? (c) => c.name.includes(filter) : undefined, (line) => console.log(line));
process.exit(run.results.every((r) => r.passed) ? 0 : 1);

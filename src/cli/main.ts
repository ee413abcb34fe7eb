import { closest, usageLine, UsageError } from "./args.js";
import { HELP, commandHelp } from "./help.js";
import { VERSION } from "../version.js";

// Commands are imported when run: `--help` and `validate` need not load the servers, pino or OTel.
const COMMANDS = ["serve", "validate", "openapi", "inspect", "call", "import", "build", "migrate", "help"];

/** Runs one CLI invocation; returns the exit code, or nothing for a command that keeps running. */
export async function main(argv: string[]): Promise<number | void> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === "help") {
    if (!rest[0]) process.stdout.write(HELP);
    else if (commandHelp(rest[0])) process.stdout.write(commandHelp(rest[0])!);
    else return usage("help", new UsageError(unknownCommand(rest[0])), false);
    return 0;
  }
  if (!COMMANDS.includes(command)) return usage(undefined, new UsageError(unknownCommand(command)), false);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(commandHelp(command) ?? HELP);
    return 0;
  }
  try {
    return await run(command, rest);
  } catch (e) {
    if (e instanceof UsageError) return usage(command, e, true);
    throw e;
  }
}

function run(command: string, rest: string[]): Promise<number | void> {
  switch (command) {
    case "serve":
      return import("./serve.js").then((m) => m.serveCommand(rest));
    case "validate":
      return import("./validate.js").then((m) => m.validateCommand(rest));
    case "openapi":
      return import("./openapi.js").then((m) => m.openapiCommand(rest));
    case "inspect":
      return import("./inspect.js").then((m) => m.inspectCommand(rest));
    case "call":
      return import("./call.js").then((m) => m.callCommand(rest));
    case "import":
      return import("./import.js").then((m) => m.importCommand(rest));
    case "build":
      return import("./build.js").then((m) => m.buildCommand(rest));
    case "migrate":
      return import("./migrate.js").then((m) => m.migrateCommand(rest));
    default:
      throw new Error(`no runner for command "${command}"`);
  }
}

function unknownCommand(word: string): string {
  const near = closest(word, COMMANDS);
  return `unknown command "${word}"${near ? `; did you mean "${near}"?` : ""}`;
}

/** One line, one prefix, and where to look next; exit code 2. */
function usage(command: string | undefined, e: UsageError, pointToHelp: boolean): number {
  const help = pointToHelp && command ? `naftiko ${command} --help` : "naftiko --help";
  const what = command && pointToHelp ? "its options" : "the commands";
  process.stderr.write(usageLine(`naftiko${command ? ` ${command}` : ""}`, e, help, what));
  return 2;
}

import { HELP, commandHelp } from "./help.js";
import { VERSION } from "../version.js";

// Commands are imported when run: `--help` and `validate` need not load the servers, pino or OTel.

/** Runs one CLI invocation; returns the exit code, or nothing for a command that keeps running. */
export async function main(argv: string[]): Promise<number | void> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    const topic = command === "help" ? rest[0] : undefined;
    process.stdout.write(topic ? (commandHelp(topic) ?? HELP) : HELP);
    return 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(commandHelp(command) ?? HELP);
    return 0;
  }
  switch (command) {
    case "serve":
      return (await import("./serve.js")).serveCommand(rest);
    case "validate":
      return (await import("./validate.js")).validateCommand(rest);
    case "openapi":
      return (await import("./openapi.js")).openapiCommand(rest);
    case "inspect":
      return (await import("./inspect.js")).inspectCommand(rest);
    case "call":
      return (await import("./call.js")).callCommand(rest);
    case "import":
      return (await import("./import.js")).importCommand(rest);
    case "build":
      return (await import("./build.js")).buildCommand(rest);
    case "migrate":
      return (await import("./migrate.js")).migrateCommand(rest);
    default:
      process.stderr.write(`naftiko: unknown command "${command}". Run "naftiko --help" for the list of commands.\n`);
      return 2;
  }
}

import { serveCommand } from "./serve.js";
import { validateCommand } from "./validate.js";
import { importCommand } from "./import.js";
import { buildCommand } from "./build.js";
import { HELP, commandHelp } from "./help.js";
import { VERSION } from "../version.js";

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
      return serveCommand(rest);
    case "validate":
      return validateCommand(rest);
    case "import":
      return importCommand(rest);
    case "build":
      return buildCommand(rest);
    default:
      process.stderr.write(`naftiko: unknown command "${command}". Run "naftiko --help" for the list of commands.\n`);
      return 2;
  }
}

/**
 * Last-resort reporting: an exception nobody caught must not print a bound secret on its way out
 * (Node's default prints the error, its message and properties). The process still stops: state
 * after an uncaught exception cannot be trusted.
 */
export function crashReport(kind: string, err: unknown, redact: (text: string) => string): string {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  return redact(`naftiko: crashed (${kind}): ${text}\n`);
}

export function installCrashHandlers(
  redact: (text: string) => string,
  write: (text: string) => void = (t) => process.stderr.write(t),
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  const onException = (err: unknown) => {
    write(crashReport("uncaught exception", err, redact));
    exit(70);
  };
  const onRejection = (err: unknown) => {
    write(crashReport("unhandled rejection", err, redact));
    exit(70);
  };
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
  };
}

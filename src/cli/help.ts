/** The CLI's help text: every command and flag, with what it is for. */
export const HELP = `naftiko — serve a Naftiko capability file: its REST routes and MCP tools, in front of its upstream API.

Usage:
  naftiko serve <file> [options]      serve every exposes block of a capability
  naftiko validate <file>...          check capability files; every problem as file:line:col path: message
  naftiko help <command>              help for one command
  naftiko --version                   print the runtime's version

Run "naftiko <command> --help" for the options of a command.
`;

const COMMANDS: Record<string, string> = {
  serve: `Usage: naftiko serve <file> [options]

Loads and validates the capability, resolves its binds (environment variables or file:/// sources),
and serves each exposes block in this process until SIGINT or SIGTERM. A missing bound variable stops it
with a message naming the variable and the file; the value itself is never printed.

Options:
  --base-uri <ns>=<url>      send consumes block <ns> to <url> instead of its baseUri (repeatable);
                             for staging, tests and fake upstreams
  --host <address>           listen on <address> for every exposes block (default: the block's address, else 127.0.0.1)
  --host <ns>=<address>      listen on <address> for exposes block <ns> (repeatable)
  --port <ns>=<port>         listen on <port> for exposes block <ns> (repeatable; 0 picks a free port)
  --connect-timeout <ms>     upstream connect timeout (default 5000)
  --timeout <ms>             upstream call timeout, connect to last byte (default 30000); 504 beyond
  --max-body <bytes>         largest request body accepted (default 1048576); 413 beyond
  --grace <ms>               on SIGTERM/SIGINT, how long in-flight calls may finish (default 10000)
  --stdio                    serve the MCP block on stdin/stdout (for desktop MCP clients) instead of
                             HTTP; logs stay on stderr; the process stops when stdin closes
  --mcp-sessions             keep MCP sessions (Mcp-Session-Id) instead of the stateless default
  --allowed-host <host>      also accept this Host header on the MCP endpoint (repeatable)
  --allowed-origin <origin>  also accept this Origin on the MCP endpoint (repeatable)
  -h, --help                 this help

MCP is served at http://<address>:<port>/mcp (and at /) as Streamable HTTP, stateless by default:
each POST is answered on its own, so instances behind a load balancer need no sticky sessions.
`,
  validate: `Usage: naftiko validate <file>... [options]

Checks each capability file against the project's schema (official 1.0.0-alpha2 plus the generated
dialect's four relaxations) and its references (calls, with keys, imports, namespaces, ports). Prints
every problem at once, one per line, as file:line:col path: message. Exit code 1 if any file has an error.

Options:
  -q, --quiet                print problems only
  -h, --help                 this help
`,
};

export function commandHelp(command: string): string | undefined {
  return COMMANDS[command];
}

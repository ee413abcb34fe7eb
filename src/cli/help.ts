/** The CLI's help text: every command and flag, with what it is for. */
export const HELP = `naftiko — serve a Naftiko capability file: its REST routes and MCP tools, in front of its upstream API.

Usage:
  naftiko serve <file> [options]      serve every exposes block of a capability
  naftiko validate <file>...          check capability files; every problem as file:line:col path: message
  naftiko import openapi <doc>        write one capability file per tag of an OpenAPI 3 document
  naftiko build <file> -o <path>      one executable (Node SEA) that serves the capability, no node_modules needed
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
  --openapi <doc>            the upstream's OpenAPI 3 document: its request-body and response schemas
                             (matched by method and path) validate REST bodies and describe MCP tools
                             (default: the file's "# x-openapi: <path>" comment line, else
                             <name>.openapi.yaml|yml|json beside <name>.naftiko.yaml, if present)
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

COMMANDS.import = `Usage: naftiko import openapi <document> [options]

Writes one capability file per tag of an OpenAPI 3.x document (YAML or JSON, local $refs), in the
generated dialect: a consumes block with every operation of the tag, a REST exposes with /v1-prefixed
paths (port 8080), an MCP exposes with one tool per operation and hints from the method (port 9090),
and binds plus authentication from the security scheme (<PROVIDER>_API_KEY).

Options:
  --tag <tag>                import only this tag (repeatable; default: every tag with operations)
  -o, --out <dir>            where to write <prefix>-<tag>.naftiko.yaml (default: .)
  --prefix <name>            namespace prefix (default: the document title without "API", e.g. metal)
  --provider <name>          provider name for tags and the bound variable (default: from the server host)
  --force                    overwrite existing files
  -h, --help                 this help
`;

COMMANDS.build = `Usage: naftiko build <file> -o <path> [--openapi <doc>]

Builds a single executable (a Node.js single-executable application) that serves the capability:
the runtime and its dependencies bundled with esbuild, the capability file (and the files it imports)
and the optional OpenAPI document embedded, injected into a copy of this node binary with postject.
It runs on the same OS and CPU architecture without Node.js or node_modules. Its arguments are those
of "naftiko serve" without the file: <path> --port <ns>=<port> --host 0.0.0.0 ...
Binds (API keys) are read from the environment at start, never embedded.

Options:
  -o, --output <path>        the executable to write (required)
  --openapi <doc>            embed this OpenAPI document and serve with its schemas (see serve --openapi;
                             default: the document serve would find by itself, if any)
  -h, --help                 this help
`;

export function commandHelp(command: string): string | undefined {
  return COMMANDS[command];
}

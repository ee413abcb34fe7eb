import { LATEST_RELEASE, VERSIONS } from "../spec/versions/index.js";

const IKANOS = VERSIONS.filter((v) => v.spec === "ikanos").map((v) => v.version);

/** The CLI's help text: every command and flag, with what it is for. */
export const HELP = `naftiko — serve a Naftiko capability file: its REST routes and MCP tools, in front of its upstream API.

Usage:
  naftiko serve <file> [options]      serve every exposes block of a capability
  naftiko validate <file>...          check capability files; every problem as file:line:col path: message
  naftiko import openapi <doc>        write one capability file per tag of an OpenAPI 3 document
  naftiko build <file> -o <path>      one executable (Node SEA) that serves the capability, no node_modules needed
  naftiko inspect <file>              list routes, tools, resources, prompts and upstream calls
  naftiko openapi <file>              print the OpenAPI 3.1 document of the REST exposes
  naftiko call <file> <tool>          run one MCP tool once and print its result
  naftiko migrate <file>              rewrite a capability file into an Ikanos version (default ${LATEST_RELEASE})
  naftiko help <command>              help for one command
  naftiko --version                   print the runtime's version

Run "naftiko <command> --help" for the options of a command.
`;

/**
 * \`serve\`'s options, shared with the help of a \`naftiko build\` binary (which serves with the same
 * options, minus --watch: its embedded file cannot change).
 */
const SERVE_OPTIONS = `  --base-uri <ns>=<url>      send consumes block <ns> to <url> instead of its baseUri (repeatable);
                             for staging, tests and fake upstreams
  --host <address>           listen on <address> for every exposes block (default: the block's address, else 127.0.0.1)
  --host <ns>=<address>      listen on <address> for exposes block <ns> (repeatable)
  --port <ns>=<port>         listen on <port> for exposes block <ns> (repeatable; 0 picks a free port)
  --connect-timeout <ms>     upstream connect timeout (default 5000)
  --timeout <ms>             upstream call timeout, connect to last byte (default 30000); 504 beyond
  --max-body <bytes>         largest request body accepted (default 1048576); 413 beyond
  --grace <ms>               on SIGTERM/SIGINT, how long in-flight calls may finish (default 10000)
  --retries <n>              retries of an idempotent upstream call (GET, HEAD, PUT, DELETE unless the
                             file's hints say otherwise; never POST/PATCH) on connection errors,
                             429, 502, 503, 504 (default 2; 0 disables)
  --retry-delay <ms>         first backoff step, doubled per retry, full jitter (default 100)
  --max-retry-after <ms>     longest upstream Retry-After waited for (default 5000); longer ones are
                             passed to the caller
  --max-in-flight <n>        upstream calls in flight per consumes block (default 64)
  --queue-timeout <ms>       how long a call beyond that may wait for a slot (default 2000); then 503
                             with Retry-After
  --config <file>            runtime config file (YAML/JSON): the settings above, and per consumes
                             block; flags win over it (see docs/OPERATIONS.md)
  --stdio                    serve the MCP block (its transport: stdio one, or its only one) on
                             stdin/stdout for desktop MCP clients, and nothing else: no port opens;
                             logs stay on stderr; the process stops once stdin closes and every
                             request has its answer
  --mcp-sessions             keep an MCP session (Mcp-Session-Id) per 2025-era client instead of the
                             stateless default (2026-07-28 has no sessions)
  --allowed-host <host>      also accept this Host header on the MCP endpoint (repeatable)
  --allowed-origin <origin>  also accept this Origin on the MCP endpoint (repeatable)
  --openapi <doc>            the upstream's OpenAPI 3 document: its request-body and response schemas
                             (matched by method and path) validate REST bodies and describe MCP tools
                             (default: the file's "# x-openapi: <path>" comment line, else
                             <name>.openapi.yaml|yml|json beside <name>.naftiko.yaml, if present)
  --control-port <port>      serve /health/live, /health/ready, /status and /metrics on this port
                             (overrides a type: control block's port; 0 picks a free one)
  --log-level <level>        trace, debug, info (default), warn, error, fatal or silent; JSON lines on
                             stderr (pretty on a terminal); debug adds one line per upstream call
`;

const SERVE_NOTES = `Every call gets one log line (request id, exposes, operation or tool, status, upstream status,
duration). An incoming x-request-id is reused (else one is made), returned and sent upstream. With
OTEL_EXPORTER_OTLP_ENDPOINT set, spans of each call and upstream call are exported over OTLP/HTTP,
and traceparent is propagated upstream. Each REST port also serves /openapi.json and /docs.

MCP is served at http://<address>:<port>/mcp (and at /) as Streamable HTTP, stateless by default:
each POST is answered on its own, so instances behind a load balancer need no sticky sessions.
`;

const COMMANDS: Record<string, string> = {
  serve: `Usage: naftiko serve <file> [options]

Loads and validates the capability, resolves its binds (environment variables or file:/// sources),
and serves each exposes block in this process until SIGINT or SIGTERM. A missing bound variable stops it
with a message naming the variable and the file; the value itself is never printed.

Options:
${SERVE_OPTIONS}  --watch                    reload when the file or a file it imports changes; a broken edit is
                             logged and the running version keeps serving
  --workers <n>|auto         serve from <n> processes (auto: one per CPU) on the same ports, a
                             primary handing each new connection to the next; the control port,
                             --watch and SIGTERM cover them all (docs/PERFORMANCE.md, Multi-core);
                             not with --stdio
  -h, --help                 this help

${SERVE_NOTES}`,
  validate: `Usage: naftiko validate <file>... [options]

Checks each capability file against the schema of the version it declares (naftiko 1.0.0-alpha2, its
generated dialect included, or ikanos 1.0.0-alpha3 to 1.0.0-beta5; schema/README.md lists what is relaxed)
and its references (calls, with keys, imports, namespaces, ports). Prints the version read for each file
that passes, and every problem at once, one per line, as file:line:col path: message. Exit code 1 if
any file has an error.

Options:
  -q, --quiet                print problems only
  -h, --help                 this help
`,
  inspect: `Usage: naftiko inspect <file>

Prints what the capability serves, as tables: each REST route (method, path, operation, the consumed
operation it calls, its inputs; * = required), each MCP tool (hints, call, arguments), resource (URI,
what it serves, media type) and prompt (arguments, messages), and each upstream operation (method,
URL, authentication kind — never a credential). No bound variable is needed.
`,
  openapi: `Usage: naftiko openapi <file> [options]

Prints the OpenAPI 3.1 document of a REST exposes block: its paths and path variables, parameters
typed from the consumed operations, JSON request bodies, responses and the security scheme of the
block's authentication (never a secret). The same document is served at /openapi.json, with an
interactive reference at /docs. No bound variable is needed.

Options:
  --format yaml|json         output format (default yaml)
  --exposes <ns>             which REST block, when the file has several (default: the first)
  --server <url>             server URL to advertise (default http://<address>:<port> of the block)
  --openapi <doc>            the upstream's OpenAPI 3 document: its body and response schemas describe
                             the routes (default: <name>.openapi.yaml|yml|json beside the file, if present)
  -h, --help                 this help
`,
  call: `Usage: naftiko call <file> <tool> [--arg <name>=<value>]... [options]

Runs one MCP tool once, as an MCP client's tools/call would (same argument validation, same upstream
call), and prints the result as JSON on stdout. Exit code 0 on success, 1 when the result is an error
(isError: bad argument, upstream error, unreachable upstream), 2 for a usage mistake.
Binds are resolved as for serve: set the variables the file binds (e.g. EQUINIX_API_KEY).

Options:
  -a, --arg <name>=<value>   a tool argument (repeatable); strings as written, numbers, booleans and
                             objects as JSON, arrays as JSON or comma-separated (a,b,c)
  --json <object>            all arguments as one JSON object (--arg values are applied on top)
  --base-uri <ns>=<url>      send consumes block <ns> to <url> (repeatable)
  --exposes <ns>             the MCP block to take the tool from (default: all)
  --timeout <ms>             upstream call timeout (default 30000)
  --raw                      print the result text as the tool returned it
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

COMMANDS.migrate = `Usage: naftiko migrate <file> [--to <version>] [-o <out> | --write]

Rewrites a capability file (naftiko 1.0.0-alpha2, either dialect, or an Ikanos version) into an Ikanos
version: named lists become maps keyed by name, label becomes display, functions become flows,
targetName becomes target, an import's location becomes from. Comments and key order are kept. The
result is checked against the target version's schema before anything is printed or written. A field
the target version does not have yet (going back to an older one) is refused, naming the version that
brought it. An entry written without a name gets one (said on stderr), as Ikanos keys entries by name.
Files it imports are not rewritten: each file is read by the version it declares.

Options:
  --to <version>             the Ikanos version to write (default ${LATEST_RELEASE}):
                             ${IKANOS.join(", ")}
  -o, --output <out>         write the result to <out> (default: print it on stdout)
  --write                    rewrite <file> in place
  -h, --help                 this help

Exit code 0 when the file was migrated (or already is in that version), 1 when it does not load or
cannot be written in that version (nothing is written then), 2 for a usage mistake.
`;

export function commandHelp(command: string): string | undefined {
  return COMMANDS[command];
}

/** The help of a binary made by \`naftiko build\`: \`name\` as it was run, serving its embedded capability. */
export function binaryHelp(name: string, label: string, file: string): string {
  return `Usage: ${name} [options]

Serves the capability embedded in this executable until SIGINT or SIGTERM:
  ${label} (${file})
Binds (API keys) are read from the environment at start; a missing one stops it with a message
naming the variable. --openapi defaults to the document embedded at build time, if any.

Options:
${SERVE_OPTIONS}  -v, --version              the capability, the runtime's version and the Node flags built in
  -h, --help                 this help

${SERVE_NOTES}`;
}

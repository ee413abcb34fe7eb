import { ReadBuffer, serializeMessage, type JSONRPCMessage, type RequestId, type Transport } from "@modelcontextprotocol/server";
import { serveStdio as serveEra } from "@modelcontextprotocol/server/stdio";
import { withAbsentCapabilitiesAsNone } from "./envelope.js";
import type { McpService } from "./server.js";

/**
 * Serves an MCP block over stdin/stdout (newline-delimited JSON-RPC), for desktop clients that launch
 * the runtime themselves; the SDK's entry pins each connection to the era its opening speaks
 * (`initialize`, or a 2026-07-28 request). stdout belongs to the protocol: every log line goes to
 * stderr. The client closing stdin ends the session once every request it sent is answered.
 */
export async function serveStdio(
  service: McpService,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<{ close(): Promise<void>; closed: Promise<void> }> {
  const transport = new DrainingStdioTransport(input, output);
  const closed = new Promise<void>((resolve) => transport.closed.push(resolve));
  const handle = serveEra(({ era }) => service.newServer(era), {
    transport,
    onerror: (e) => console.error(`naftiko: MCP stdio: ${e.message}`),
  });
  return { close: () => handle.close(), closed };
}

/**
 * stdin/stdout as an MCP transport that, unlike the SDK's, answers what was asked before it
 * closes: a client may write its requests and close stdin at once (a script piping a file in), and
 * still reads every answer. The end of stdin closes the transport once no request is waiting for
 * its response and stdout has taken every byte.
 */
class DrainingStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Called once the transport has closed. */
  readonly closed: Array<() => void> = [];

  private readonly buffer = new ReadBuffer();
  private readonly waiting = new Set<RequestId>();
  private inputEnded = false;
  private writes = Promise.resolve();
  private isClosed = false;

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
  ) {}

  async start(): Promise<void> {
    this.input.on("data", this.onData);
    this.input.on("error", this.onInputError);
    this.input.once("end", this.onEnd);
    this.input.once("close", this.onEnd);
    this.output.on("error", this.onOutputError);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.isClosed) throw new Error("the stdio connection is closed");
    const text = serializeMessage(message);
    const written = new Promise<void>((resolve, reject) => this.output.write(text, (e) => (e ? reject(e) : resolve())));
    this.writes = this.writes.then(
      () => written,
      () => written,
    );
    await written;
    if (("result" in message || "error" in message) && message.id !== undefined && message.id !== null) {
      this.waiting.delete(message.id);
      this.closeWhenDrained();
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.input.off("data", this.onData);
    this.input.off("error", this.onInputError);
    this.input.off("end", this.onEnd);
    this.input.off("close", this.onEnd);
    this.output.off("error", this.onOutputError);
    this.buffer.clear();
    this.onclose?.();
    for (const done of this.closed) done();
  }

  private readonly onData = (chunk: Buffer) => {
    try {
      this.buffer.append(chunk);
    } catch (e) {
      this.onerror?.(e as Error);
      return void this.close();
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (e) {
        // One line that is not a JSON-RPC message; the lines after it are still read.
        this.onerror?.(e as Error);
        continue;
      }
      if (message === null) break;
      if ("method" in message && "id" in message) this.waiting.add(message.id);
      this.onmessage?.(withAbsentCapabilitiesAsNone(message) as JSONRPCMessage);
    }
  };

  private readonly onEnd = () => {
    this.inputEnded = true;
    this.closeWhenDrained();
  };

  private readonly onInputError = (e: Error) => this.onerror?.(e);

  private readonly onOutputError = (e: Error) => {
    // The reader is gone (EPIPE): nothing more can be answered.
    this.onerror?.(e);
    void this.close();
  };

  private closeWhenDrained(): void {
    if (!this.inputEnded || this.waiting.size > 0 || this.isClosed) return;
    void this.writes.finally(() => this.close());
  }
}

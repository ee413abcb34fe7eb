import { InitializeRequestSchema, JSONRPCErrorResponseSchema, JSONRPCResultResponseSchema } from "@modelcontextprotocol/sdk/types.js";

/*
 * The SDK tells one kind of JSON-RPC message from another with `Schema.safeParse(message).success`
 * (its `isInitializeRequest`, `isJSONRPCResultResponse` and `isJSONRPCErrorResponse`), and on a
 * served tools/call four of those parses fail: the request is checked against both response
 * schemas, and twice against `initialize`. zod 4.6 answers a failed `safeParse` with an object
 * literal holding a getter and a setter for `error`, closures over the issues (and the message in
 * them). Under load, V8 keeps those past young-generation collections until a full one (a plain-JS
 * object literal with accessors does the same): several KB promoted to the old generation per
 * call, and slow scavenges.
 *
 * For these three schemas only, `safeParse` first asks zod's own `validate` (a yes/no answer with
 * no result object, several times cheaper on a message that does not match). A match is then parsed
 * by zod as usual; a mismatch gets a failure whose `error` accessor is on its class, built on first
 * read by zod's `safeParse` itself, so it is the same error. What the SDK sees is the same.
 */

type Guarded = {
  safeParse(data: unknown, params?: unknown): unknown;
  validate?(data: unknown, params?: unknown): boolean;
};

class LazyFailure {
  readonly success = false as const;
  #error: unknown;
  #parse: (() => { error?: unknown }) | undefined;

  constructor(parse: () => { error?: unknown }) {
    this.#parse = parse;
  }

  get error(): unknown {
    if (this.#parse) {
      this.#error = this.#parse().error;
      this.#parse = undefined;
    }
    return this.#error;
  }

  set error(e: unknown) {
    this.#error = e;
    this.#parse = undefined;
  }
}

function guard(schema: Guarded): void {
  const validate = schema.validate;
  // An older zod has no `validate`: its safeParse is left as it is.
  if (typeof validate !== "function") return;
  const safeParse = schema.safeParse;
  schema.safeParse = (data, params) =>
    validate.call(schema, data, params)
      ? safeParse.call(schema, data, params)
      : new LazyFailure(() => safeParse.call(schema, data, params) as { error?: unknown });
}

for (const schema of [InitializeRequestSchema, JSONRPCResultResponseSchema, JSONRPCErrorResponseSchema])
  guard(schema as unknown as Guarded);

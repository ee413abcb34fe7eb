import { readFile } from "node:fs/promises";

/**
 * `outputRawFormat: avro`: the body is one datum in Avro's binary encoding, written with the schema
 * in the `.avsc` file `outputSchema` names (as the reference engine reads it). The datum becomes
 * plain JSON: records and maps as objects, unions as their value, enums as their symbol, bytes and
 * fixed as base64, longs as numbers.
 */
export type Decode = (body: Buffer) => unknown;

type Avsc = typeof import("avsc");

let loaded: Promise<Avsc> | undefined;
// CommonJS: its exports are the namespace's default.
const avsc = () => (loaded ??= import("avsc").then((m) => (m as unknown as { default: Avsc }).default));

/** Reads and compiles the schema; throws an Error saying what is wrong with it. */
export async function loadAvroSchema(file: string): Promise<Decode> {
  const text = await readFile(file, "utf8");
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the file, which may be any file the process can read.
    throw new Error(`${file} is not a JSON Avro schema (not JSON)`);
  }
  const { Type } = await avsc();
  let type: InstanceType<Avsc["Type"]>;
  try {
    type = Type.forSchema(schema as Parameters<Avsc["Type"]["forSchema"]>[0]);
  } catch (e) {
    // The compiler's message names what it could not read; said only for a file shaped like a schema.
    const shaped = typeof schema === "object" && schema !== null && "type" in schema;
    throw new Error(`${file} is not a valid Avro schema${shaped ? ` (${(e as Error).message})` : ""}`);
  }
  return (body) => plain(type.fromBuffer(body));
}

function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (Array.isArray(value)) return value.map(plain);
  // A union avsc had to wrap (two branches of one JavaScript type) is given as its value.
  const branch = value as { unwrap?: () => unknown };
  if (typeof branch.unwrap === "function") return plain(branch.unwrap());
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

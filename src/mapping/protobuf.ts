import type { Decode } from "./avro.js";

/**
 * `outputRawFormat: protobuf`: the body is one message of the first message type declared in the
 * `.proto` file `outputSchema` names (imports resolved beside it), as the reference engine reads
 * it. The message becomes plain JSON with the field names as written: enums as their names, bytes
 * as base64, 64-bit integers as numbers; fields absent from the message are left out.
 */
type Protobuf = typeof import("protobufjs");

let loaded: Promise<Protobuf> | undefined;
// CommonJS: its exports are the namespace's default.
const protobuf = () => (loaded ??= import("protobufjs").then((m) => (m as unknown as { default: Protobuf }).default));

/** Reads and compiles the schema; throws an Error saying what is wrong with it. */
export async function loadProtobufSchema(file: string): Promise<Decode> {
  const pb = await protobuf();
  let root: InstanceType<Protobuf["Root"]>;
  try {
    root = new pb.Root().loadSync(file, { keepCase: true });
    root.resolveAll();
  } catch (e) {
    // The parser quotes the token it stopped at: dropped, as the file may be any file the process can read.
    throw new Error(`${file} is not a valid .proto schema (${(e as Error).message.replace(/'[^']*'/g, "").replace(/ {2,}/g, " ")})`);
  }
  const main = root.files[0];
  const first = (ns: InstanceType<Protobuf["Namespace"]>): InstanceType<Protobuf["Type"]> | undefined => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof pb.Type && nested.filename === main) return nested;
      if (nested instanceof pb.Namespace) {
        const found = first(nested);
        if (found) return found;
      }
    }
    return undefined;
  };
  const type = first(root);
  if (!type) throw new Error(`${file} declares no message type`);
  return (body) => type.toObject(type.decode(body), { longs: Number, enums: String, bytes: String });
}

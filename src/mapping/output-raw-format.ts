import { stat } from "node:fs/promises";
import path from "node:path";
import type { ConsumedOperation } from "../spec/model.js";
import { loadAvroSchema, type Decode } from "./avro.js";
import { FormatError, parseRaw } from "./formats.js";
import { htmlToJson, selectorProblem } from "./html.js";
import { markdownToJson } from "./markdown.js";
import { loadProtobufSchema } from "./protobuf.js";

/**
 * How the answer of a consumed operation becomes data to map: `outputRawFormat` names the format
 * and `outputSchema` completes it (a CSS selector for html, a heading prefix for markdown, the
 * schema file for avro and protobuf; other formats need nothing).
 */
export type BodyDecoder = (body: Buffer) => Promise<unknown>;

/**
 * Formats whose answer is passed through as it came, with its media type, when the exposed
 * operation declares no outputParameters: conversion exists for mapping, and without a mapping the
 * page, document or binary message itself is the answer (as in the reference engine). The media
 * type is the one such answers usually carry, for the OpenAPI document; the upstream's own is sent.
 */
export const RAW_MEDIA_TYPES: ReadonlyMap<string, string> = new Map([
  ["html", "text/html"],
  ["markdown", "text/markdown"],
  ["avro", "application/octet-stream"],
  ["protobuf", "application/octet-stream"],
]);

const SCHEMA_FILE_FORMATS: Record<string, (file: string) => Promise<Decode>> = {
  avro: loadAvroSchema,
  protobuf: loadProtobufSchema,
};

/** The schema file of an avro or protobuf operation: `outputSchema`, relative to the file declaring it. */
export function schemaFileOf(operation: ConsumedOperation, declaringFile: string): string | undefined {
  const format = operation.outputRawFormat ?? "json";
  if (!(format in SCHEMA_FILE_FORMATS) || !operation.outputSchema) return undefined;
  return path.resolve(path.dirname(declaringFile), operation.outputSchema);
}

/** What is wrong with an operation's `outputRawFormat`/`outputSchema` pair, found when the file is loaded. */
export async function outputFormatProblem(
  operation: ConsumedOperation,
  declaringFile: string,
): Promise<{ field: "outputRawFormat" | "outputSchema"; message: string; severity: "error" | "warning" } | undefined> {
  const format = operation.outputRawFormat ?? "json";
  const schema = operation.outputSchema;
  if (format in SCHEMA_FILE_FORMATS) {
    const kind = format === "avro" ? ".avsc (Avro)" : ".proto (Protocol Buffers)";
    if (!schema?.trim())
      return {
        field: "outputRawFormat",
        message: `outputRawFormat ${format} needs outputSchema: the path of the ${kind} schema file its answers are written with`,
        severity: "error",
      };
    const file = schemaFileOf(operation, declaringFile)!;
    try {
      if (!(await stat(file)).isFile()) return { field: "outputSchema", message: `schema file ${file} is not a file`, severity: "error" };
      await SCHEMA_FILE_FORMATS[format](file);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const message =
        err.code === "ENOENT" ? `schema file ${file} does not exist` : err.code ? `cannot read ${file} (${err.code})` : err.message;
      return { field: "outputSchema", message, severity: "error" };
    }
    return undefined;
  }
  if (schema === undefined) return undefined;
  if (format === "html") {
    const problem = await selectorProblem(schema);
    return problem ? { field: "outputSchema", message: problem, severity: "error" } : undefined;
  }
  if (format === "markdown") return undefined;
  return {
    field: "outputSchema",
    message: `outputSchema has no effect with outputRawFormat ${format}; it is a CSS selector for html, a heading prefix for markdown and a schema file for avro and protobuf`,
    severity: "warning",
  };
}

const decoders = new WeakMap<ConsumedOperation, BodyDecoder>();

/** Converts one answer of `operation` to data; throws a FormatError when it is not what it declares. */
export function decodeBody(operation: ConsumedOperation, body: Buffer): Promise<unknown> {
  let decode = decoders.get(operation);
  if (!decode) decoders.set(operation, (decode = bodyDecoder(operation)));
  return decode(body);
}

/** The decoder of one consumed operation's answers; schema files are read on first use. */
export function bodyDecoder(operation: ConsumedOperation): BodyDecoder {
  const format = operation.outputRawFormat ?? "json";
  const schema = operation.outputSchema;
  switch (format) {
    case "html":
      return (body) => htmlToJson(body.toString("utf8"), schema);
    case "markdown":
      return async (body) => {
        try {
          return await markdownToJson(body.toString("utf8"), schema);
        } catch (e) {
          throw new FormatError(`upstream response is not valid Markdown (${(e as Error).message.split("\n")[0]})`);
        }
      };
    case "avro":
    case "protobuf": {
      const file = operation.outputSchemaFile;
      let decode: Promise<Decode> | undefined;
      const name = format === "avro" ? "Avro" : "Protocol Buffers";
      return async (body) => {
        if (!file) throw new FormatError(`outputRawFormat ${format} needs outputSchema, the schema file to decode with`);
        const run = await (decode ??= SCHEMA_FILE_FORMATS[format](file).catch((e: Error) => {
          // Checked when the file was loaded; changed or removed since. Tried again on the next call.
          decode = undefined;
          throw new FormatError(`cannot decode the upstream response: ${e.message}`);
        }));
        try {
          return run(body);
        } catch (e) {
          throw new FormatError(`upstream response is not valid ${name} for ${path.basename(file)} (${(e as Error).message})`);
        }
      };
    }
    default:
      // Synchronous inside: a JSON answer (nearly every one) pays no extra turn for the promise.
      return (body) => {
        try {
          return Promise.resolve(parseRaw(format, body.toString("utf8")));
        } catch (e) {
          return Promise.reject(e as Error);
        }
      };
  }
}

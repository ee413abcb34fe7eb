/**
 * Raw bytes (Ikanos `outputRawFormat: binary`): passed through as they come, with the media type the
 * file declares, bounded by `maxBinarySize`; described as bytes by the OpenAPI export; and the
 * constructs that cannot apply to bytes are caught at load.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCapability } from "../../src/spec/load.js";
import { CapabilityError } from "../../src/spec/problems.js";
import { runCli } from "../support/cli.js";
import { serveYaml, type Serving } from "../support/serve.js";
import { writeTree } from "../support/temp.js";
import { json, startUpstream, type Reply, type Upstream } from "./harness.js";

const PHOTO = randomBytes(300 * 1024); // larger than the read-ahead: streamed
const ICON = randomBytes(2_000);

const capability = (extra = "") => `ikanos: "1.0.0-beta5"
info:
  display: Photos
  description: Photo bytes.
capability:
  consumes:
  - type: http
    namespace: photo-library
    baseUri: https://photos.example.org
    resources:
      photos:
        path: /photos/{{id}}/binary
        operations:
          download-photo:
            method: GET
            outputRawFormat: binary
            outputMediaType: image/jpeg
            inputParameters:
              id:
                in: path
      icons:
        path: /icons/{{id}}
        operations:
          download-icon:
            method: GET
            outputRawFormat: binary
            maxBinarySize: 4KiB
            inputParameters:
              id:
                in: path
      thumbs:
        path: /thumbs/{{id}}
        operations:
          download-thumb:
            method: GET
            outputRawFormat: binary
            inputParameters:
              id:
                in: path
  aggregates:
  - namespace: gallery
    display: Gallery
    flows:
      cover:
        description: A cover image.
        inputParameters:
          id:
            type: string
            description: Photo id.
        call: photo-library.download-thumb
        with:
          id: gallery.id
        outputMediaType: image/avif
  exposes:
  - type: rest
    port: 8080
    namespace: photos-api
    maxBinarySize: 1MiB
    resources:
      photo:
        path: /photos/{{id}}
        operations:
          get-photo:
            method: GET
            inputParameters:
              id:
                in: path
                type: string
                description: Photo id.
            call: photo-library.download-photo
            with:
              id: photos-api.id
      icon:
        path: /icons/{{id}}
        operations:
          get-icon:
            method: GET
            inputParameters:
              id:
                in: path
                type: string
                description: Icon id.
            call: photo-library.download-icon
            with:
              id: photos-api.id
            responseBinary:
              mediaType: image/png
              description: The icon.
      thumb:
        path: /thumbs/{{id}}
        operations:
          get-thumb:
            method: GET
            inputParameters:
              id:
                in: path
                type: string
                description: Photo id.
            call: photo-library.download-thumb
            with:
              id: photos-api.id
            responses:
              "200":
                description: A thumbnail.
                content:
                  image/webp:
                    binary: true
              "404":
                description: No such photo.
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        error:
                          type: string
      cover:
        path: /covers/{{id}}
        operations:
          get-cover:
            method: GET
            ref: gallery.cover
      poster:
        path: /posters/{{id}}
        operations:
          get-poster:
            method: GET
            inputParameters:
              id:
                in: path
                type: string
                description: Photo id.
            call: photo-library.download-thumb
            with:
              id: photos-api.id
            responseBinary:
              status: 203
              mediaType: image/gif
${extra}`;

describe("binary outputs over REST", () => {
  let upstream: Upstream;
  let running: Serving;
  beforeAll(async () => {
    upstream = await startUpstream((req): Reply => {
      // Declared up front: refused before anything is sent to the caller.
      if (req.path === "/photos/big/binary") {
        return {
          headers: { "content-type": "application/octet-stream", "content-length": String(2 * 1024 * 1024) },
          body: randomBytes(2 * 1024 * 1024),
        };
      }
      if (req.path === "/photos/chunked/binary") {
        return { headers: { "content-type": "application/octet-stream", "transfer-encoding": "chunked" }, body: randomBytes(1536 * 1024) };
      }
      if (req.path.startsWith("/icons/big")) return { headers: { "content-type": "image/png" }, body: randomBytes(5_000) };
      if (req.path.startsWith("/icons/")) return { headers: { "content-type": "image/x-icon" }, body: ICON };
      return { headers: { "content-type": "application/octet-stream" }, body: PHOTO };
    });
    running = await serveYaml(capability(), { upstream: upstream.url });
  });
  afterAll(async () => {
    await running?.close();
    await upstream?.stop();
  });

  it("passes the bytes through unchanged, typed by the operation's outputMediaType", async () => {
    const res = await fetch(`${running.rest}/photos/p-1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await res.arrayBuffer()).equals(PHOTO)).toBe(true);
    expect(upstream.requests.at(-1)!.path).toBe("/photos/p-1/binary");
  });

  it("without an outputMediaType, the response contract's media type wins over the upstream's", async () => {
    const res = await fetch(`${running.rest}/icons/i-1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await res.arrayBuffer()).equals(ICON)).toBe(true);
  });

  it("the full responses form: its binary media type types the bytes; every status it declares is in the OpenAPI document", async () => {
    const res = await fetch(`${running.rest}/thumbs/i-2`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/webp");
    expect(Buffer.from(await res.arrayBuffer()).equals(PHOTO)).toBe(true);
    const doc = await json(await fetch(`${running.rest}/openapi.json`));
    const responses = doc.paths["/thumbs/{id}"].get.responses;
    expect(responses["200"]).toEqual({
      description: "A thumbnail.",
      content: { "image/webp": { schema: { type: "string", format: "binary" } } },
    });
    expect(responses["404"]).toEqual({
      description: "No such photo.",
      content: { "application/json": { schema: { type: "object", properties: { error: { type: "string" } } } } },
    });
    // responseBinary's status is the status its bytes are described under.
    const poster = doc.paths["/posters/{id}"].get.responses;
    expect(poster["203"]).toEqual({
      description: "Successful response",
      content: { "image/gif": { schema: { type: "string", format: "binary" } } },
    });
    expect(poster["200"]).toBeUndefined();
  });

  it("a flow's outputMediaType types the bytes of the operations that refer to it", async () => {
    const res = await fetch(`${running.rest}/covers/c-1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/avif");
    expect(Buffer.from(await res.arrayBuffer()).equals(PHOTO)).toBe(true);
    expect(upstream.requests.at(-1)!.path).toBe("/thumbs/c-1");
  });

  it("an answer larger than maxBinarySize is refused with 502, naming the limit (operation's, then block's)", async () => {
    const icon = await fetch(`${running.rest}/icons/big`);
    expect(icon.status).toBe(502);
    expect(await icon.json()).toMatchObject({
      error: "upstream_bad_response",
      message: expect.stringContaining("maxBinarySize of 4096 bytes"),
    });
    const photo = await fetch(`${running.rest}/photos/big`);
    expect(photo.status).toBe(502);
    expect((await json(photo)).message).toContain("maxBinarySize of 1048576 bytes");
  });

  it("a streamed answer that grows past the limit is cut off, never delivered whole", async () => {
    const res = await fetch(`${running.rest}/photos/chunked`);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it("the OpenAPI export describes bytes, not JSON", async () => {
    const doc = await json(await fetch(`${running.rest}/openapi.json`));
    expect(doc.paths["/photos/{id}"].get.responses["200"].content).toEqual({
      "application/octet-stream": { schema: { type: "string", format: "binary" } },
    });
    expect(doc.paths["/icons/{id}"].get.responses["200"]).toEqual({
      description: "The icon.",
      content: { "image/png": { schema: { type: "string", format: "binary" } } },
    });
  });
});

describe("binary outputs at load", () => {
  const problems = async (text: string) => {
    const dir = writeTree({ "cap.yml": text });
    try {
      const cap = await loadCapability(path.join(dir, "cap.yml"));
      return cap.warnings.map((w) => `${w.severity} ${w.path}: ${w.message}`);
    } catch (e) {
      if (!(e instanceof CapabilityError)) throw e;
      return e.problems.map((w) => `${w.severity} ${w.path}: ${w.message}`);
    }
  };

  it("a binary response contract over an operation that answers JSON is refused", async () => {
    const text = capability().replace("            outputRawFormat: binary\n            maxBinarySize: 4KiB\n", "");
    expect(await problems(text)).toEqual([
      expect.stringMatching(
        /^error capability\.exposes\[0\]\.resources\.icon\.operations\.get-icon\.responses.*: a binary response needs the called operation to declare outputRawFormat: binary$/,
      ),
    ]);
  });

  it("outputParameters over bytes are reported, not silently dropped", async () => {
    const text = capability().replace(
      "              id: photos-api.id\n      icon:",
      "              id: photos-api.id\n            outputParameters:\n            - type: string\n              mapping: $.\n      icon:",
    );
    expect(await problems(text)).toEqual([
      expect.stringMatching(
        /^warning capability\.exposes\[0\]\.resources\.photo\.operations\.get-photo\.outputParameters: photo-library\.download-photo answers raw bytes/,
      ),
    ]);
  });

  it("a step cannot read bytes", async () => {
    const text = capability(`  - type: mcp
    port: 8081
    namespace: photos-mcp
    tools:
      two-photos:
        description: Two photos.
        steps:
          first:
            type: call
            call: photo-library.download-photo
            with:
              id: a
`);
    expect(await problems(text)).toEqual([
      expect.stringMatching(
        /^error capability\.exposes\[1\]\.tools\.two-photos\.steps\.first\.call: photo-library\.download-photo answers raw bytes .* which a step cannot read/,
      ),
    ]);
  });

  it("a consumes tunnel is refused, its fallback too: there is no OpenZiti transport here", async () => {
    // fallback: direct would reach the baseUri without the overlay; the whole tunnel is refused rather than half-honoured.
    const text = capability().replace(
      "    baseUri: https://photos.example.org\n",
      "    baseUri: https://photos.example.org\n    tunnel:\n      type: ziti\n      service: photos\n      identity: /etc/ziti/id.json\n      fallback: direct\n",
    );
    expect(await problems(text)).toEqual([
      expect.stringMatching(/^error capability\.consumes\[0\]\.tunnel: tunnel is not supported: this runtime has no OpenZiti transport/),
    ]);
    // naftiko validate (and so serve) says where, by file, line and column.
    const dir = writeTree({ "cap.yml": text });
    const r = await runCli(["validate", path.join(dir, "cap.yml")]);
    expect(r.code).toBe(1);
    const line = text.slice(0, text.indexOf("    tunnel:")).split("\n").length;
    expect(r.stderr).toContain(
      `cap.yml:${line}:5 capability.consumes[0].tunnel: tunnel is not supported: this runtime has no OpenZiti transport`,
    );
  });
});

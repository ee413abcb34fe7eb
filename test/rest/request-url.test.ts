/**
 * The REST adapter and the MCP hot path answer from node:http without @hono/node-server's Fetch
 * adapter, yet must see every request URL exactly as the Hono paths behind that adapter do (the
 * /openapi.json and /docs pages, MCP requests the hot path leaves to the SDK). requestUrl
 * follows the adapter's rules; this compares the two on the same raw requests, so an upgrade of
 * @hono/node-server that changes them is caught here.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestTarget, requestUrl } from "../../src/exposes/rest/request.js";
import { rawBytes } from "../support/raw-http.js";

const listen = async (listener: http.RequestListener) => {
  const server = http.createServer(listener);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

/** The URL each side saw (the answer's body), or the status line when there was no URL. */
async function seen(base: string, requestLine: string, host: string | undefined): Promise<string> {
  const head = `${requestLine}\r\n${host === undefined ? "" : `Host: ${host}\r\n`}Connection: close\r\n\r\n`;
  const text = await rawBytes(base, head, "whole");
  const status = text.split("\r\n")[0];
  return status.includes(" 200 ") ? text.slice(text.indexOf("\r\n\r\n") + 4) : status.replace(/^HTTP\/1\.1 (\d+).*/, "$1");
}

describe("requestUrl against @hono/node-server", () => {
  let ours: Awaited<ReturnType<typeof listen>>;
  let hono: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    ours = await listen((req, res) => {
      try {
        res.end(requestUrl(req));
      } catch (e) {
        if (!(e instanceof BadRequestTarget)) throw e;
        res.writeHead(400).end();
      }
    });
    hono = await listen(getRequestListener((req) => new Response(req.url)));
  });
  afterAll(() => {
    ours?.server.close();
    hono?.server.close();
  });

  const targets = [
    "/v1/connections/79fca704-b256-487b-b33c-6dfd4a500468",
    "/v1/connections/abc?include=ports,project&per_page=5",
    "/v1/a/../b",
    "/v1/a/%2e%2e/b",
    "/v1/./a",
    "/v1/a%2Fb%20c",
    "/v1/items?q=it's",
    "/v1/items?q=a b",
    "/v1/caf\u00e9",
    "/v1/a\\b",
    "/v1/items?path=a\\b",
    "/v1/items#frag",
    "/",
    "/mcp",
    "http://127.0.0.1/v1/absolute",
    "*",
  ];
  const hosts = [undefined, "127.0.0.1:8080", "LOCALHOST:9090", "example.com", "[::1]:8080", "bad host", "a@b", "127.0.0.1:99999"];

  it("sees the same URL, or refuses the same requests", async () => {
    const differences: string[] = [];
    for (const target of targets) {
      for (const host of hosts) {
        const line = `GET ${target} HTTP/1.1`;
        const [a, b] = [await seen(ours.base, line, host), await seen(hono.base, line, host)];
        if (a !== b) differences.push(`${line} Host: ${host}: ours ${a}, @hono/node-server ${b}`);
      }
    }
    expect(differences).toEqual([]);
  });
});

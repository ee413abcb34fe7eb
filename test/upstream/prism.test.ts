/**
 * Verifies the fake upstream: Prism serving the (workaround-patched) Metal Interconnections spec
 * answers 2xx to every request of METAL_REQUESTS, in static and in dynamic (-d) mode.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrism, type PrismHandle } from "../support/prism.js";
import { METAL_AUTH_HEADERS, METAL_REQUESTS, METAL_REQUEST_VARIANTS, metalUrl, type MetalRequest } from "../support/metal-requests.js";

const START_TIMEOUT = 60_000;
/** Dynamic mode generates a fresh answer per call from circular schemas: repeat each call there. */
const DYNAMIC_REPEATS = 10;

async function send(
  baseUrl: string,
  req: MetalRequest,
  headers: Record<string, string> = { ...METAL_AUTH_HEADERS },
): Promise<{ status: number; body: unknown }> {
  const init: RequestInit = {
    method: req.method,
    headers: { Accept: "application/json", ...headers },
    // Prism never answers some malformed requests: do not hang the suite.
    signal: AbortSignal.timeout(10_000),
  };
  if (req.body !== undefined) {
    init.headers = { ...init.headers, "Content-Type": "application/json" };
    init.body = JSON.stringify(req.body);
  }
  const res = await fetch(metalUrl(baseUrl, req), init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep text */
  }
  return { status: res.status, body };
}

const operations = Object.entries(METAL_REQUESTS) as [string, MetalRequest][];
const variants = Object.entries(METAL_REQUEST_VARIANTS) as [string, MetalRequest][];

it("the request table covers the 15 upstream operations", () => {
  expect(operations).toHaveLength(15);
});

for (const dynamic of [false, true]) {
  describe(`Prism ${dynamic ? "dynamic (-d)" : "static"} mode, patched spec`, () => {
    let prism: PrismHandle;

    beforeAll(async () => {
      const t0 = performance.now();
      prism = await startPrism({ dynamic });
      console.info(`[prism] ${dynamic ? "dynamic" : "static"} start: ${Math.round(performance.now() - t0)} ms at ${prism.url}`);
    }, START_TIMEOUT);

    afterAll(async () => {
      await prism?.stop();
    });

    const repeats = dynamic ? DYNAMIC_REPEATS : 1;

    it.each([...operations, ...variants])("%s → 2xx", async (_name, req) => {
      for (let i = 0; i < repeats; i++) {
        const { status, body } = await send(prism.url, req);
        expect(req.success, `${req.method} ${req.path} (#${i + 1}) → ${status} ${JSON.stringify(body)}`).toContain(status);
      }
    });

    it("missing X-Auth-Token → 401", async () => {
      const { status } = await send(prism.url, METAL_REQUESTS.getInterconnection, {});
      expect(status).toBe(401);
    });

    it("bad uuid in the path → 422", async () => {
      const req = METAL_REQUESTS.getInterconnection;
      const { status, body } = await send(prism.url, { ...req, pathParams: { connection_id: "not-a-uuid" } });
      expect(status).toBe(422);
      expect(JSON.stringify(body)).toContain("connection_id");
    });
  });
}

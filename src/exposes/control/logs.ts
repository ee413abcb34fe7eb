import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { RuntimeLogger } from "../../observability/log.js";

/**
 * `management.logs`: the log level read and changed while the process runs (`/logs`,
 * `PUT /logs/{logger}`), and the log lines streamed as Server-Sent Events (`/logs/stream`).
 * Changes last until the process stops. The runtime has one logger, `ROOT`; levels are named as
 * the reference engine names them (TRACE, DEBUG, INFO, WARN, ERROR, OFF).
 */
export interface LogsSettings {
  levelControl: boolean;
  stream: boolean;
  maxSubscribers: number;
}

export const DEFAULT_MAX_SUBSCRIBERS = 5;

type LogsSpec = boolean | { "level-control"?: boolean; stream?: boolean; "max-subscribers"?: number } | undefined;

/** `logs: true` turns everything on; the object form turns level control on unless it says otherwise. */
export function logsSettings(spec: LogsSpec): LogsSettings {
  if (spec === true) return { levelControl: true, stream: true, maxSubscribers: DEFAULT_MAX_SUBSCRIBERS };
  if (!spec) return { levelControl: false, stream: false, maxSubscribers: DEFAULT_MAX_SUBSCRIBERS };
  return {
    levelControl: spec["level-control"] ?? true,
    stream: spec.stream ?? false,
    maxSubscribers: spec["max-subscribers"] ?? DEFAULT_MAX_SUBSCRIBERS,
  };
}

const ROOT = "ROOT";
/** Reference level names → pino's. */
const LEVELS: Record<string, string> = {
  TRACE: "trace",
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  ERROR: "error",
  FATAL: "fatal",
  OFF: "silent",
};
const NAMES = Object.fromEntries(Object.entries(LEVELS).map(([name, pino]) => [pino, name]));
/** pino's level numbers, to filter a stream by its lowest level. */
const NUMBERS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
/** Lines a slow stream reader may fall behind by before lines are dropped for it. */
const MAX_PENDING_LINES = 1000;

/** The endpoints it serves, for the control port's 404 message. */
export function mountLogs(app: Hono, logging: RuntimeLogger, settings: LogsSettings): string[] {
  const served: string[] = [];
  const unknownLogger = (name: string) => ({ error: "not_found", message: `no logger "${name}"; this runtime has one logger, ${ROOT}` });
  // The stream first: `/logs/stream` is not a logger named "stream".
  if (settings.stream) {
    served.push("/logs/stream");
    let subscribers = 0;
    app.get("/logs/stream", (c) => {
      const logger = c.req.query("logger");
      if (logger !== undefined && logger !== ROOT) return c.json(unknownLogger(logger), 404);
      const wanted = (c.req.query("level") ?? "TRACE").toUpperCase();
      if (!(wanted in LEVELS))
        return c.json({ error: "invalid_request", message: `level must be one of ${Object.keys(LEVELS).join(", ")}` }, 400);
      if (subscribers >= settings.maxSubscribers)
        return c.json(
          {
            error: "too_many_subscribers",
            message: `${settings.maxSubscribers} log streams are already open (management.logs.max-subscribers); close one and try again`,
          },
          503,
        );
      const lowest = NUMBERS[LEVELS[wanted]];
      subscribers++;
      return streamSSE(c, async (stream) => {
        let pending = 0;
        let dropped = 0;
        const send = (data: string, event?: string) => {
          pending++;
          stream
            .writeSSE(event ? { event, data } : { data })
            .catch(() => {})
            .finally(() => pending--);
        };
        const off = logging.tap((line) => {
          const level = Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 30);
          if (level < lowest) return;
          if (pending >= MAX_PENDING_LINES) return void dropped++;
          if (dropped) {
            send(String(dropped), "dropped");
            dropped = 0;
          }
          send(line.trimEnd());
        });
        // A comment now and then keeps proxies from closing a quiet stream.
        const heartbeat = setInterval(() => void stream.write(": keep-alive\n\n").catch(() => {}), 15_000);
        heartbeat.unref();
        await stream.write(": streaming log lines\n\n");
        await new Promise<void>((resolve) => stream.onAbort(resolve));
        clearInterval(heartbeat);
        off();
        subscribers--;
      });
    });
  }
  if (settings.levelControl) {
    served.push("/logs", "/logs/{logger}");
    const describe = () => {
      const level = NAMES[logging.logger.level] ?? logging.logger.level.toUpperCase();
      return { configuredLevel: level, effectiveLevel: level };
    };
    app.get("/logs", (c) => c.json({ loggers: { [ROOT]: describe() }, levels: Object.keys(LEVELS) }));
    app.get("/logs/:logger", (c) => {
      const name = c.req.param("logger");
      return name === ROOT ? c.json({ logger: ROOT, ...describe() }) : c.json(unknownLogger(name), 404);
    });
    app.put("/logs/:logger", async (c) => {
      const name = c.req.param("logger");
      if (name !== ROOT) return c.json(unknownLogger(name), 404);
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json({ error: "invalid_request", message: 'the body must be JSON: {"level": "DEBUG"}' }, 400);
      }
      const wanted = typeof (body as { level?: unknown })?.level === "string" ? (body as { level: string }).level.toUpperCase() : undefined;
      if (!wanted || !(wanted in LEVELS))
        return c.json({ error: "invalid_request", message: `"level" must be one of ${Object.keys(LEVELS).join(", ")}` }, 400);
      logging.logger.level = LEVELS[wanted];
      return c.json({ logger: ROOT, ...describe() });
    });
  }
  return served;
}

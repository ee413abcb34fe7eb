import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Scripting } from "../../orchestration/scripting.js";

/** What /scripting reads and changes: this process's script settings, or every worker's (`--workers`). */
export interface ScriptingControl {
  view(): ReturnType<Scripting["view"]> | Promise<ReturnType<Scripting["view"]>>;
  update(body: unknown): ReturnType<Scripting["update"]> | Promise<ReturnType<Scripting["update"]>>;
}

/**
 * `management.scripting`: `GET /scripting`, the script settings in force and the execution stats
 * (`totalExecutions`, `totalErrors`, `averageDurationMs`, `lastExecutionAt`); `PUT /scripting`,
 * a JSON object of settings to change (`enabled`, `timeout`, `statementLimit`, `defaultLocation`,
 * `defaultLanguage`, `allowedLanguages`), taken for the next script run and answered with the new
 * state. A reload starts again from the file's settings.
 *
 * @param scripting the current version's (it changes on reload)
 */
export function mountScripting(app: Hono, scripting: () => ScriptingControl | undefined): string[] {
  const missing = { error: "not_found", message: "this version of the capability has no script steps to govern" };
  app.get("/scripting", async (c) => {
    const s = scripting();
    return s ? c.json(await s.view()) : c.json(missing, 404);
  });
  app.put(
    "/scripting",
    bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.json({ error: "too_large", message: "the settings are at most 64 KiB" }, 413) }),
    async (c) => {
      const s = scripting();
      if (!s) return c.json(missing, 404);
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json({ error: "invalid_request", message: 'the body must be a JSON object, e.g. {"timeout": 5000}' }, 400);
      }
      const outcome = await s.update(body);
      return outcome.ok ? c.json(s.view()) : c.json({ error: "invalid_request", message: outcome.error }, 400);
    },
  );
  return ["/scripting", "PUT /scripting"];
}

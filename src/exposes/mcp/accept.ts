/**
 * Clients written for the reference engine POST with no Accept header, or curl's `*\/*`; the SDK's
 * 2025-era transport insists on both JSON and SSE being acceptable. Such requests get JSON. A
 * client that prefers `text/event-stream` gets SSE.
 */
export function normaliseAccept(req: Request): { request: Request; json: boolean } {
  const { json, rewrite } = acceptPlan(req.headers.get("accept") ?? "", req.method === "POST");
  if (!rewrite) return { request: req, json };
  const headers = new Headers(req.headers);
  headers.set("accept", "application/json, text/event-stream");
  return { request: new Request(req, { headers }), json };
}

/** What an Accept header asks for, by header value: clients send the same one on every call. */
const acceptPlans = new Map<string, { json: boolean; rewrite: boolean }>();
const ACCEPT_PLANS_KEPT = 64;

/** Whether an Accept header gets JSON (else SSE), and whether it must be rewritten for the SDK to take it. */
export function acceptPlan(header: string, post: boolean): { json: boolean; rewrite: boolean } {
  const key = `${post ? "P" : "-"}${header}`;
  let plan = acceptPlans.get(key);
  if (plan) return plan;
  const accept = header.toLowerCase();
  const ranked = accept
    .split(",")
    .map((part, i) => {
      const [type, ...params] = part.trim().split(";");
      const q = Number(
        params
          .map((p) => p.trim())
          .find((p) => p.startsWith("q="))
          ?.slice(2) ?? 1,
      );
      return { type: type.trim(), q: Number.isFinite(q) ? q : 1, i };
    })
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  const sse = ranked.find((r) => r.type === "text/event-stream");
  const json = ranked.find((r) => r.type === "application/json" || r.type === "application/*" || r.type === "*/*");
  const prefersSse = sse !== undefined && (json === undefined || ranked.indexOf(sse) < ranked.indexOf(json));
  if (!post || (accept.includes("application/json") && accept.includes("text/event-stream"))) plan = { json: !prefersSse, rewrite: false };
  else if (!sse && !json && accept !== "")
    plan = { json: true, rewrite: false }; // let the SDK answer 406
  else plan = { json: !prefersSse, rewrite: true };
  // A bounded memo: a client sending ever-new values only costs the parse.
  if (acceptPlans.size < ACCEPT_PLANS_KEPT) acceptPlans.set(key, plan);
  return plan;
}

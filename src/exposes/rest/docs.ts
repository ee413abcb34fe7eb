import { fs } from "../../builtins.js";
import { createRequire } from "node:module";
import path from "node:path";
import type { Hono } from "hono";

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

let assetDir: string | undefined;

/** Every file /docs reads from swagger-ui-dist (name → absolute path), e.g. to embed in a build. */
export function docsAssetFiles(): Record<string, string> {
  const dir = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  return Object.fromEntries(["package.json", ...Object.keys(ASSETS)].map((n) => [n, path.join(dir, n)]));
}
const cache = new Map<string, Buffer>();

/** The files of swagger-ui-dist, installed with the runtime: the docs page needs no CDN. */
function asset(name: string): Buffer {
  let data = cache.get(name);
  if (!data) {
    assetDir ??= path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
    data = fs.readFileSync(path.join(assetDir, name));
    cache.set(name, data);
  }
  return data;
}

const PAGE = (title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — API reference</title>
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

// No inline script: the page works under a strict Content-Security-Policy.
const INIT = `window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null, tryItOutEnabled: true });\n`;

/** The paths mountDocs answers (GET), for routing before the pages' app is made. */
export const DOCS_PATHS = ["/openapi.json", "/docs", "/docs/", "/docs/init.js", "/docs/:file"] as const;

/**
 * Adds `/openapi.json` and `/docs` (an interactive reference, Swagger UI from swagger-ui-dist) to a
 * REST exposes app. `document` is built on demand with the URL the caller used to reach the server.
 */
export function mountDocs(app: Hono, title: string, document: (origin: string) => unknown): void {
  const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'";
  app.get("/openapi.json", (c) => c.json(document(new URL(c.req.url).origin) as object));
  app.get("/docs", (c) => {
    // Relative asset URLs need the trailing segment to be "docs", not "docs/".
    c.header("content-security-policy", CSP);
    return c.html(PAGE(title));
  });
  app.get("/docs/", (c) => c.redirect("/docs", 301));
  app.get("/docs/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/docs/:file", (c) => {
    const file = c.req.param("file");
    const type = ASSETS[file];
    if (!type) return c.json({ error: "not_found", message: `no docs asset ${file}` }, 404);
    return c.body(new Uint8Array(asset(file)), 200, { "content-type": type, "cache-control": "public, max-age=86400" });
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

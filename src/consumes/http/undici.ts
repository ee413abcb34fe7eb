/*
 * The one part of undici the runtime uses: the connection Pool (calls are dispatched on it directly,
 * see client.ts), imported by its path. undici's index also loads fetch, WebSocket, caches, mock
 * agents and proxies, which would lengthen every cold start by about a quarter. undici has no
 * `exports` map, so the path is reachable; if a release adds one, this import fails at start.
 */
import Pool from "undici/lib/dispatcher/pool.js";

export { Pool };

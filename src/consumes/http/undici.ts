/*
 * The one part of undici the runtime uses: the connection Pool (calls are dispatched on it directly,
 * see client.ts). undici's index also loads fetch, WebSocket, caches, mock agents and proxies: ~55 ms
 * of a cold start (issue 6). undici has no `exports` map, so this file is reachable by path.
 */
import Pool from "undici/lib/dispatcher/pool.js";

export { Pool };

/*
 * The two parts of undici the runtime uses: the connection Pool and its `request` call. undici's
 * index also loads fetch, WebSocket, caches, mock agents and proxies: ~55 ms of a cold start
 * (issue 6). undici has no `exports` map, so these files are reachable by path; the index is what
 * adds `request` to every dispatcher's prototype, so it is called here on the pool instead.
 */
import type { Dispatcher } from "undici";
import Pool from "undici/lib/dispatcher/pool.js";
import requestOnDispatcher from "undici/lib/api/api-request.js";

export { Pool };

export function request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return requestOnDispatcher.call(dispatcher, options);
}

import type { Server } from "node:http";
import { http } from "../builtins.js";
import { compileServerAuth } from "../exposes/auth.js";
import type { ControlState } from "../exposes/control/server.js";
import type { Observer } from "../observability/observer.js";
import type { Runtime } from "../runtime.js";
import type { ExposesControl } from "../spec/model.js";
import { listen, urlOf } from "./listen.js";
import { addressOf, CONTROL_NAMESPACE, type Listener, type ServeOptions } from "./options.js";

/**
 * Opens the control port (the file's control block, or `--control-port`), answering from `state`.
 * It comes up before the exposes blocks, so /health/ready answers 503 until they all listen.
 */
export async function startControlPort(
  state: ControlState,
  {
    options,
    observer,
    controlBlock,
    runtime,
    log,
  }: {
    options: ServeOptions;
    observer: Observer;
    controlBlock?: ExposesControl;
    /** The runtime whose binds the port's authentication reads. */
    runtime: Runtime;
    log: (line: string) => void;
  },
): Promise<{ server: Server; listener: Listener }> {
  const [{ controlApp }, { getRequestListener }] = await Promise.all([import("../exposes/control/server.js"), import("@hono/node-server")]);
  const { app, endpoints } = controlApp(
    state,
    await observer.metrics.registry(),
    controlBlock,
    compileServerAuth(controlBlock?.authentication, runtime.binds, CONTROL_NAMESPACE),
  );
  const server = http.createServer(getRequestListener(app.fetch));
  const address = addressOf(options, { namespace: CONTROL_NAMESPACE, address: controlBlock?.address });
  const port = options.ports?.[CONTROL_NAMESPACE] ?? options.controlPort ?? controlBlock!.port;
  const bound = await listen(server, port, address, CONTROL_NAMESPACE, "--control-port <port>");
  const url = urlOf(bound);
  log(`naftiko: control ${CONTROL_NAMESPACE} listening on ${url} (${endpoints.join(", ") || "no endpoint enabled"})`);
  return { server, listener: { namespace: CONTROL_NAMESPACE, type: "control", url, port: bound.port, address: bound.address } };
}

import type { AddressInfo } from "node:net";
import type { Server } from "node:http";

export function urlOf(bound: AddressInfo): string {
  return `http://${bound.address.includes(":") ? `[${bound.address}]` : bound.address}:${bound.port}`;
}

export function listen(
  server: Server,
  port: number,
  address: string,
  namespace: string,
  flag = `--port ${namespace}=<port>`,
): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === "EADDRINUSE"
            ? `exposes "${namespace}": port ${port} on ${address} is already in use (choose another with ${flag})`
            : `exposes "${namespace}": cannot listen on ${address}:${port} (${e.code ?? e.message})`,
        ),
      );
    server.once("error", onError);
    server.listen(port, address, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting, lets in-flight requests finish for up to `grace` ms, then cuts what is left. */
export function closeServer(server: Server, grace: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), grace);
    timer.unref();
    // Keep-alive connections that go idle as their last call finishes are closed too, not left to time out.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

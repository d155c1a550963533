import type { AddressInfo, Server } from 'node:net';

/** `host:port` / `[::1]:port` → parts, as the config's endpoint format allows. */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const colon = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(endpoint.slice(colon + 1)) };
}

/** `host:port` with the port actually bound (port 0 in config picks a free one). */
function boundAddress(endpoint: string, port: number): string {
  return `${endpoint.slice(0, endpoint.lastIndexOf(':'))}:${port}`;
}

/** Starts a server (HTTP, or the TCP listener under gRPC) on `endpoint`; resolves with the bound address, rejects with a one-line reason. */
export function listen(server: Server, endpoint: string, what: string): Promise<string> {
  const { host, port } = splitEndpoint(endpoint);
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void =>
      reject(new Error(`cannot listen for ${what} on ${endpoint}: ${error.message}`));
    server.once('error', onError);
    server.listen(port, host || undefined, () => {
      server.off('error', onError);
      resolve(boundAddress(endpoint, (server.address() as AddressInfo).port));
    });
  });
}

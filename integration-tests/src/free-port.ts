import * as net from 'node:net';

// One implementation, shared with the launcher in @cdc-lakehouse/local-lakehouse.
export { findFreePort } from '@cdc-lakehouse/local-lakehouse';

/** True when something accepts a TCP connection on host:port within `timeoutMs`. */
export async function acceptsConnections(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (result: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

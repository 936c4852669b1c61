import * as fs from 'node:fs';
import * as net from 'node:net';

/**
 * True while `pid` is a running process. A zombie (exited, not yet reaped by
 * its parent, e.g. a daemonized postmaster whose new parent is a slow init)
 * counts as not running, which `kill(pid, 0)` alone cannot tell.
 */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "<pid> (<comm>) <state> ..."; comm may contain spaces or parentheses.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (not Linux) or the process just went away.
    return !fs.existsSync('/proc/self/stat');
  }
}

/**
 * Asks the kernel for a TCP port that is free right now on `host`. Callers that
 * start a server retry with a new port when the bind fails (another process may
 * take the port between this probe and the bind).
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not determine a free port on ${host}`));
        return;
      }
      const port = address.port;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

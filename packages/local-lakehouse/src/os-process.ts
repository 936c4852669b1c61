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

/** True when `promise` settles within `ms`; the timer is cleared either way, so it never keeps the process alive. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops a server process of ours by its PID: SIGTERM (a clean shutdown) and up to 15 s for it to end, then SIGKILL and up
 * to 5 s. It has ended when `exited` settles or the PID no longer runs. A PID that is already gone is left alone.
 */
export async function stopByPid(pid: number | undefined, exited: Promise<unknown>): Promise<void> {
  if (pid === undefined || !processRunning(pid)) return;
  for (const [signal, waitMs] of [['SIGTERM', 15_000], ['SIGKILL', 5_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await settlesWithin(exited, waitMs) || !processRunning(pid)) return;
  }
}

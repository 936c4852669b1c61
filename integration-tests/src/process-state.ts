import * as fs from 'node:fs';

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

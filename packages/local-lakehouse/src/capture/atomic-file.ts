import * as fs from 'node:fs';
import * as path from 'node:path';

/** fsyncs a file or directory. */
export function fsyncPath(target: string): void {
  const fd = fs.openSync(target, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Makes a finished temporary file visible under its final name: fsync the data, rename, fsync the
 * directory. A reader sees the whole file or none of it, also after a crash.
 */
export function publishFile(temp: string, target: string): void {
  fsyncPath(temp);
  fs.renameSync(temp, target);
  fsyncPath(path.dirname(target));
}

/** Writes a small file atomically (temp name, fsync, rename, fsync of the directory). */
export function writeFileAtomic(target: string, content: string): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.tmp`);
  fs.writeFileSync(temp, content);
  publishFile(temp, target);
}

/** Removes temporary files (`.<name>.tmp`) a killed writer left in `dir`. */
export function removeTemporaryFiles(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir)) {
    if (entry.startsWith('.') && entry.endsWith('.tmp')) {
      fs.rmSync(path.join(dir, entry), { force: true, recursive: true });
    }
  }
}

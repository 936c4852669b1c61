import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findMariadbPrograms } from '../src/embedded-mariadb';

describe('findMariadbPrograms', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'find-mariadb-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const program = (name: string, mode = 0o755): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, '#!/bin/sh\n');
    fs.chmodSync(file, mode);
    return file;
  };

  test('takes both programs from MARIADB_BIN_DIR, the old install script name too', () => {
    const server = program('mariadbd');
    const installDb = program('mysql_install_db');
    expect(findMariadbPrograms(undefined, { MARIADB_BIN_DIR: dir, PATH: '' })).toEqual({ server, installDb });
  });

  test('an explicit directory wins over MARIADB_BIN_DIR and PATH', () => {
    const server = program('mariadbd');
    const installDb = program('mariadb-install-db');
    expect(findMariadbPrograms(dir, { MARIADB_BIN_DIR: '/nonexistent', PATH: '/nonexistent' })).toEqual({ server, installDb });
  });

  test('names what is missing, where it looked and how to install it, in one line', () => {
    program('mariadbd');
    program('mariadb-install-db', 0o644); // not executable: does not count
    expect(() => findMariadbPrograms(undefined, { MARIADB_BIN_DIR: dir })).toThrow(
      `no MariaDB server binaries found (mariadb-install-db not in MARIADB_BIN_DIR=${dir}); install them with \`apt-get install mariadb-server\``,
    );
    expect(() => findMariadbPrograms(path.join(dir, 'none'))).toThrow(
      `no MariaDB server binaries found (mariadbd, mariadb-install-db not in ${path.join(dir, 'none')}); install them with \`apt-get install mariadb-server\``,
    );
  });
});

import { TableRef } from '../table-selection';

/** What a GRANT line applies to. */
export type GrantLevel = 'global' | 'database' | 'table' | 'routine' | 'proxy';

/** One `GRANT … ON … TO …` line of SHOW GRANTS, taken apart. */
export interface PrivilegeGrant {
  readonly level: GrantLevel;
  /**
   * Upper-case privilege names on the whole object, aliases normalized:
   * `ALL` → `ALL PRIVILEGES`, MariaDB's `BINLOG MONITOR` → `REPLICATION CLIENT`,
   * `REPLICATION REPLICA` → `REPLICATION SLAVE`.
   */
  readonly privileges: readonly string[];
  /** Privileges granted on some columns only (`SELECT (id)`): not enough for DMS. */
  readonly columnPrivileges: readonly string[];
  /**
   * Database name as written in the grant. At database level `%` and `_` are
   * wildcards unless escaped with a backslash.
   */
  readonly database?: string;
  /** Table (or routine) name, at table or routine level. */
  readonly table?: string;
}

/** The grants of one account, from SHOW GRANTS. */
export interface UserGrants {
  readonly grants: readonly PrivilegeGrant[];
  /** Roles granted to the account (`GRANT \`role\` TO …`); their privileges are not in `grants`. */
  readonly roles: readonly string[];
  /** Lines that were not understood (REVOKE under partial_revokes, unknown syntax); never guessed at. */
  readonly unparsed: readonly string[];
}

const PRIVILEGE_ALIASES: Record<string, string> = {
  'ALL': 'ALL PRIVILEGES',
  'BINLOG MONITOR': 'REPLICATION CLIENT',
  'REPLICATION REPLICA': 'REPLICATION SLAVE',
};

/** Normalizes a privilege name: upper case, single spaces, aliases resolved. */
export function normalizePrivilege(name: string): string {
  const upper = name.trim().replace(/\s+/g, ' ').toUpperCase();
  return PRIVILEGE_ALIASES[upper] ?? upper;
}

type Token =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'ident'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'punct'; readonly text: string };

class GrantSyntaxError extends Error {}

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '`' || ch === "'" || ch === '"') {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= line.length) {
          throw new GrantSyntaxError(`unterminated ${ch}`);
        }
        if (line[j] === ch) {
          if (line[j + 1] === ch) {
            text += ch;
            j += 2;
            continue;
          }
          break;
        }
        // In string literals a backslash escapes the next character; in identifiers it is part of the name.
        if (ch !== '`' && line[j] === '\\' && j + 1 < line.length) {
          text += line[j + 1];
          j += 2;
          continue;
        }
        text += line[j];
        j += 1;
      }
      tokens.push({ kind: ch === '`' ? 'ident' : 'string', text });
      i = j + 1;
    } else if (/[A-Za-z0-9_$]/.test(ch)) {
      let j = i;
      while (j < line.length && /[A-Za-z0-9_$\\]/.test(line[j])) {
        j += 1;
      }
      tokens.push({ kind: 'word', text: line.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: ch });
      i += 1;
    }
  }
  return tokens;
}

function isKeyword(token: Token | undefined, keyword: string): boolean {
  return token !== undefined && token.kind === 'word' && token.text.toUpperCase() === keyword;
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token !== undefined && token.kind === 'punct' && token.text === text;
}

interface GrantItem {
  readonly words: string[];
  readonly idents: string[];
  readonly columns: boolean;
}

/** Reads comma-separated items up to the ON or TO keyword at depth 0. */
function readItems(tokens: Token[], start: number): { items: GrantItem[]; next: number } {
  const items: GrantItem[] = [];
  let current: GrantItem = { words: [], idents: [], columns: false };
  let i = start;
  while (i < tokens.length) {
    const token = tokens[i];
    if (isKeyword(token, 'ON') || isKeyword(token, 'TO')) {
      break;
    }
    if (isPunct(token, '(')) {
      // Column list: skip to the matching parenthesis.
      let depth = 0;
      for (; i < tokens.length; i++) {
        if (isPunct(tokens[i], '(')) depth += 1;
        if (isPunct(tokens[i], ')')) depth -= 1;
        if (depth === 0) break;
      }
      current = { ...current, columns: true };
    } else if (isPunct(token, ',')) {
      items.push(current);
      current = { words: [], idents: [], columns: false };
    } else if (token.kind === 'word') {
      current.words.push(token.text);
    } else if (token.kind === 'ident' || token.kind === 'string') {
      current.idents.push(token.text);
    }
    i += 1;
  }
  items.push(current);
  return { items: items.filter((item) => item.words.length > 0 || item.idents.length > 0), next: i };
}

function nameToken(token: Token | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.kind === 'ident' || token.kind === 'word') return token.text;
  if (isPunct(token, '*')) return '*';
  return undefined;
}

function parseLine(line: string): PrivilegeGrant | { role: string } | { roles: string[] } {
  const tokens = tokenize(line);
  if (!isKeyword(tokens[0], 'GRANT')) {
    throw new GrantSyntaxError('not a GRANT');
  }
  const { items, next } = readItems(tokens, 1);
  if (isKeyword(tokens[next], 'TO')) {
    // GRANT `role`[@`host`], … TO account
    return { roles: items.map((item) => item.idents[0] ?? item.words.join(' ')) };
  }
  if (!isKeyword(tokens[next], 'ON')) {
    throw new GrantSyntaxError('no ON');
  }
  const privileges = items.filter((item) => !item.columns).map((item) => normalizePrivilege(item.words.join(' ')));
  const columnPrivileges = items.filter((item) => item.columns).map((item) => normalizePrivilege(item.words.join(' ')));

  let i = next + 1;
  let level: GrantLevel | undefined;
  if (privileges.includes('PROXY')) {
    return { level: 'proxy', privileges, columnPrivileges };
  }
  if (isKeyword(tokens[i], 'TABLE')) {
    i += 1;
  } else if (isKeyword(tokens[i], 'FUNCTION') || isKeyword(tokens[i], 'PROCEDURE') || isKeyword(tokens[i], 'PACKAGE')) {
    level = 'routine';
    i += isKeyword(tokens[i + 1], 'BODY') ? 2 : 1;
  }
  const first = nameToken(tokens[i]);
  if (first === undefined || !isPunct(tokens[i + 1], '.')) {
    throw new GrantSyntaxError('object is not db.name');
  }
  const second = nameToken(tokens[i + 2]);
  if (second === undefined) {
    throw new GrantSyntaxError('object is not db.name');
  }
  if (level === 'routine') {
    return { level, privileges, columnPrivileges, database: first, table: second };
  }
  if (first === '*' && second === '*') {
    return { level: 'global', privileges, columnPrivileges };
  }
  if (second === '*') {
    return { level: 'database', privileges, columnPrivileges, database: first };
  }
  return { level: 'table', privileges, columnPrivileges, database: first, table: second };
}

/**
 * Parses the lines of `SHOW GRANTS` (MySQL 5.7/8, MariaDB 10.x). Lines it does
 * not understand are kept in `unparsed`; they never count as a privilege.
 */
export function parseGrants(lines: readonly string[]): UserGrants {
  const grants: PrivilegeGrant[] = [];
  const roles: string[] = [];
  const unparsed: string[] = [];
  for (const line of lines) {
    try {
      const parsed = parseLine(line);
      if ('roles' in parsed) {
        roles.push(...parsed.roles);
      } else if ('level' in parsed) {
        grants.push(parsed);
      }
    } catch (err) {
      if (!(err instanceof GrantSyntaxError)) {
        throw err;
      }
      unparsed.push(line);
    }
  }
  return { grants, roles, unparsed };
}

function covers(grant: PrivilegeGrant, privilege: string): boolean {
  return grant.privileges.includes(privilege) || grant.privileges.includes('ALL PRIVILEGES');
}

/** True when the account holds `privilege` on `*.*` (directly or through ALL PRIVILEGES). */
export function hasGlobalPrivilege(grants: UserGrants, privilege: string): boolean {
  const wanted = normalizePrivilege(privilege);
  return grants.grants.some((grant) => grant.level === 'global' && covers(grant, wanted));
}

/**
 * True when a database-level grant name (`app`, `app\_%`, `tenant%`) covers
 * `database`: `%` matches any run of characters, `_` any one character,
 * a backslash makes the next character literal.
 */
export function grantDatabaseMatches(pattern: string, database: string, caseInsensitive = false): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) {
      source += pattern[i + 1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    } else if (ch === '%') {
      source += '.*';
    } else if (ch === '_') {
      source += '.';
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'si' : 's').test(database);
}

/** True when the account may SELECT every column of `table`: globally, on its database, or on the table itself. */
export function canSelectTable(grants: UserGrants, table: TableRef, caseInsensitive = false): boolean {
  const same = (a: string | undefined, b: string): boolean =>
    a !== undefined && (caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b);
  return grants.grants.some((grant) => {
    if (!covers(grant, 'SELECT')) {
      return false;
    }
    switch (grant.level) {
      case 'global':
        return true;
      case 'database':
        return grant.database !== undefined && grantDatabaseMatches(grant.database, table.schema, caseInsensitive);
      case 'table':
        return same(grant.database, table.schema) && same(grant.table, table.name);
      default:
        return false;
    }
  });
}

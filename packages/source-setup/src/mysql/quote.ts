/** A MySQL identifier in backticks (always quoted, so keywords and odd characters are safe). */
export function quoteIdent(name: string): string {
  if (name === '' || name.includes('\0')) {
    throw new Error(`invalid MySQL identifier ${JSON.stringify(name)}`);
  }
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * A database name for a database-level GRANT: in `GRANT … ON db.*`, `_` and
 * `%` are wildcards unless escaped with a backslash, so `my_db` would also
 * cover `myXdb`.
 */
export function quoteGrantDatabase(name: string): string {
  return quoteIdent(name.replace(/[\\_%]/g, '\\$&'));
}

/**
 * A MySQL string literal. Assumes the default SQL mode, in which backslash is
 * an escape character (not NO_BACKSLASH_ESCAPES).
 */
export function quoteLiteral(value: string): string {
  const escaped = value.replace(/[\0\n\r\x1a\\']/g, (ch) => {
    switch (ch) {
      case '\0': return '\\0';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\x1a': return '\\Z';
      case '\\': return '\\\\';
      default: return "''";
    }
  });
  return `'${escaped}'`;
}

/** `'user'@'host'` as account names are written in CREATE USER and GRANT. */
export function quoteAccount(user: string, host: string): string {
  return `${quoteLiteral(user)}@${quoteLiteral(host)}`;
}

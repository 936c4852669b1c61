import { parseTableName, TableRef } from '../table-selection';
import { dollarQuoteTag, quoteIdent, quoteLiteral, quoteTable } from './quote';

/**
 * Where the PostgreSQL server runs. `rds` covers Amazon RDS for PostgreSQL
 * and Aurora PostgreSQL, where the REPLICATION attribute cannot be granted and
 * the `rds_replication` role gives the right instead.
 */
export type PostgresFlavor = 'self-managed' | 'rds';

export interface PostgresReplicationUserOptions {
  /** Name of the login role DMS connects as, e.g. `dms_replication`. */
  readonly user: string;
  /**
   * Its password. It ends up inside the returned statements, so never log
   * them; pass it from a secret store.
   */
  readonly password: string;
  /**
   * `self-managed` gives the role the REPLICATION attribute (run the script
   * as a superuser); `rds` grants `rds_replication` instead (run it as the
   * master user, a member of `rds_superuser`).
   * @default 'self-managed'
   */
  readonly flavor?: PostgresFlavor;
  /**
   * Grant SELECT on exactly these tables (`schema.table`, or objects). Not
   * together with `schemas`.
   * @default none: `schemas` decides
   */
  readonly tables?: readonly (string | TableRef)[];
  /**
   * Grant SELECT on every table in these schemas, and on tables created in
   * them later (default privileges). Not together with `tables`.
   * @default ['public'] when `tables` is not given
   */
  readonly schemas?: readonly string[];
  /**
   * The role that will create future tables in `schemas`; default privileges
   * only apply to tables created by this role.
   * @default the role that runs the script
   */
  readonly tableOwner?: string;
}

function requireNonEmpty(value: string, option: string): void {
  if (value === '') {
    throw new Error(`postgresReplicationUserSql: \`${option}\` must not be empty`);
  }
}

function uniqueInOrder(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/**
 * The statements that create (or update) a least-privilege PostgreSQL role
 * for DMS change data capture: login with the replication right, USAGE on
 * the schemas and SELECT on the tables. Comment-free and safe to run again:
 * an existing role gets its attributes and password reset, grants are
 * idempotent.
 *
 * The statements contain the password: do not log them.
 */
export function postgresReplicationUserSql(options: PostgresReplicationUserOptions): string[] {
  requireNonEmpty(options.user, 'user');
  requireNonEmpty(options.password, 'password');
  const flavor = options.flavor ?? 'self-managed';
  if (flavor !== 'self-managed' && flavor !== 'rds') {
    throw new Error(`postgresReplicationUserSql: \`flavor\` must be 'self-managed' or 'rds', not ${JSON.stringify(flavor)}`);
  }
  if (options.tables !== undefined && options.schemas !== undefined) {
    throw new Error('postgresReplicationUserSql: give either `tables` or `schemas`, not both');
  }
  if (options.tables !== undefined && options.tables.length === 0) {
    throw new Error('postgresReplicationUserSql: `tables` is empty; name at least one table, or use `schemas`');
  }
  const tables = options.tables?.map((table) => (typeof table === 'string' ? parseTableName(table, 'public') : table));
  const schemas = tables !== undefined ? uniqueInOrder(tables.map((table) => table.schema)) : uniqueInOrder(options.schemas ?? ['public']);
  if (schemas.length === 0) {
    throw new Error('postgresReplicationUserSql: `schemas` is empty; name at least one schema, or use `tables`');
  }

  const role = quoteIdent(options.user);
  const attributes = flavor === 'self-managed' ? 'LOGIN REPLICATION' : 'LOGIN';
  const password = quoteLiteral(options.password);
  const body = [
    'BEGIN',
    `  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ${quoteLiteral(options.user)}) THEN`,
    `    CREATE ROLE ${role} ${attributes} PASSWORD ${password};`,
    '  ELSE',
    `    ALTER ROLE ${role} ${attributes} PASSWORD ${password};`,
    '  END IF;',
    'END',
  ].join('\n');
  const tag = dollarQuoteTag(body);
  const statements = [`DO ${tag}\n${body}\n${tag};`];

  if (flavor === 'rds') {
    statements.push(`GRANT rds_replication TO ${role};`);
  }
  for (const schema of schemas) {
    statements.push(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${role};`);
  }
  if (tables !== undefined) {
    for (const table of tables) {
      statements.push(`GRANT SELECT ON TABLE ${quoteTable(table)} TO ${role};`);
    }
  } else {
    const forRole = options.tableOwner === undefined ? '' : ` FOR ROLE ${quoteIdent(options.tableOwner)}`;
    for (const schema of schemas) {
      statements.push(`GRANT SELECT ON ALL TABLES IN SCHEMA ${quoteIdent(schema)} TO ${role};`);
      statements.push(`ALTER DEFAULT PRIVILEGES${forRole} IN SCHEMA ${quoteIdent(schema)} GRANT SELECT ON TABLES TO ${role};`);
    }
  }
  return statements;
}

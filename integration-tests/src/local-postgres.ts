/**
 * The ephemeral PostgreSQL launcher lives in @cdc-lakehouse/local-lakehouse (its `demo` starts
 * the same server); the fixture uses it from there, so there is one launcher.
 */
import type * as launcher from '@cdc-lakehouse/local-lakehouse';

export { findPgBinDir, INSTALL_HINT, LocalPostgresServer } from '@cdc-lakehouse/local-lakehouse';

/** Where the server binaries were found, and by which rule. */
export type PgBinDir = launcher.PgBinDir;
/**
 * The rules findPgBinDir tries, in order (the values of `PgBinDir.source`). A value under the
 * type's name, so that `export { PgBinDir }` in index.ts compiles with isolatedModules.
 */
export const PgBinDir = Object.freeze({ sources: Object.freeze(['PG_BIN_DIR', '/usr/lib/postgresql', 'pg_config --bindir'] as const) });
/** An OS account to run the server as (PostgreSQL refuses to run as root). */
export type OsUser = launcher.OsUser;
/** Options of LocalPostgresServer.start. */
export type LocalPostgresOptions = launcher.LocalPostgresOptions;

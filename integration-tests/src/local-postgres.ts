/**
 * The ephemeral PostgreSQL launcher lives in @cdc-lakehouse/local-lakehouse (its `demo` starts
 * the same server); the fixture uses it from there, so there is one launcher.
 */
export { findPgBinDir, INSTALL_HINT, LocalPostgresServer } from '@cdc-lakehouse/local-lakehouse';
export type { LocalPostgresOptions, OsUser, PgBinDir } from '@cdc-lakehouse/local-lakehouse';

export * from './postgres-fixture';
export { containerRuntimeAvailable } from './container-postgres';
export { findPgBinDir, INSTALL_HINT, PgBinDir } from './local-postgres';
export { acceptsConnections, findFreePort } from './free-port';
export { processRunning } from './process-state';

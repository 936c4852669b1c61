export * from './postgres-fixture';
export * from './server-mode';
export { findPgBinDir, INSTALL_HINT } from './local-postgres';
export type { PgBinDir } from './local-postgres';
export { acceptsConnections, findFreePort } from './free-port';
export { processRunning } from './process-state';
export { StepTimings } from './step-timings';
export { startMotoServer } from './moto-server';
export type { MotoServer } from './moto-server';

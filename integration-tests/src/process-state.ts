// One implementation, shared with the launcher in @cdc-lakehouse/local-lakehouse.
export { processRunning } from '@cdc-lakehouse/local-lakehouse';

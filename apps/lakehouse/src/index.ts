export * from './lakehouse-app';
export * from './operations-stack';
export * from './sources.generated';

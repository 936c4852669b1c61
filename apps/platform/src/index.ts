export * from './config';
export * from './platform-stack';
export * from './operations-stack';
export * from './lakehouse-app';
export * from './sources.generated';
export * from './environment';
export * from './environments.generated';

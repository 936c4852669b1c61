export * from './postgres-source-props';
export * from './postgres-source';

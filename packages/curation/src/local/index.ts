export * from './schema-evolution';
export * from './local-curation-runner';

export * from './column-type';
export * from './curation-plan';

export * from './render';
export * from './athena';

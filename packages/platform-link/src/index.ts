export * from './parameters/names';
export * from './parameters/publish';
export * from './parameters/link';
export * from './check/check-platform';

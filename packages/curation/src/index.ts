export * from './dms';
export * from './plan';
export * from './sql';
export * from './local';

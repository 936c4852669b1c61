export * from './client';
export * from './cost';
export * from './history';
export * from './time-travel';
export * from './values';

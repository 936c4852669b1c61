export * from './platform-stack';
export * from './platform-app';

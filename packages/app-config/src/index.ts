export * from './config/config';
export * from './config/environment';
export * from './config/environments.generated';
export * from './config/sources.generated';
export * from './limits/cfn-limits';

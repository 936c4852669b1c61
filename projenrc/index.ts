export * from './versions';
export * from './nx';
export * from './workspace-package';
export * from './kinds';
export * from './monorepo';
export * from './source-entry';
export * from './source-catalog';
export * from './environment';

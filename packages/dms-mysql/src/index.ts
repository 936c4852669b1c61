export * from './mysql-source-props';
export * from './mysql-source';

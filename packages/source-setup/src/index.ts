export * from './requirement';
export * from './table-selection';
export * from './connection-url';
export * from './connection-error';
export * from './duration';
export * from './preflight';

export { quoteIdent as quotePostgresIdent, quoteLiteral as quotePostgresLiteral } from './postgres/quote';
export * from './postgres/replication-user';
export * from './postgres/requirements';
export * from './postgres/preflight';

export { quoteIdent as quoteMysqlIdent, quoteLiteral as quoteMysqlLiteral, quoteGrantDatabase as quoteMysqlGrantDatabase } from './mysql/quote';
export * from './mysql/grants';
export * from './mysql/binlog-retention';
export * from './mysql/replication-user';
export * from './mysql/requirements';
export * from './mysql/preflight';

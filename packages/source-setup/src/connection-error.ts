import { endpointOf, engineLabel, SourceEngine } from './connection-url';

/** Why a connection to a source database failed. */
export type ConnectionFailure =
  | 'refused'
  | 'host-not-found'
  | 'timeout'
  | 'authentication'
  | 'database-not-found'
  | 'other';

/** Where a connection was going, for messages (no password). */
export interface ConnectionEndpoint {
  readonly engine: SourceEngine;
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly database?: string;
}

/**
 * A source database could not be reached or refused the login. The message
 * is one line that names host:port and says what to check.
 */
export class SourceConnectionError extends Error {
  constructor(
    public readonly failure: ConnectionFailure,
    public readonly endpoint: ConnectionEndpoint,
    message: string,
  ) {
    super(message);
    this.name = 'SourceConnectionError';
  }
}

interface DriverError {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly message?: unknown;
  readonly errors?: unknown;
}

const NETWORK_CODES: Record<string, ConnectionFailure> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'host-not-found',
  EAI_AGAIN: 'host-not-found',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'other',
  EHOSTUNREACH: 'timeout',
  ENETUNREACH: 'timeout',
};

/** SQLSTATE / MySQL error codes that mean the login was refused, and the ones for a missing database. */
const AUTH_CODES = new Set(['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_HOST_NOT_PRIVILEGED', 'ER_DBACCESS_DENIED_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE']);
const MISSING_DATABASE_CODES = new Set(['3D000', 'ER_BAD_DB_ERROR']);

function codesOf(err: unknown): string[] {
  if (typeof err !== 'object' || err === null) {
    return [];
  }
  const e = err as DriverError;
  const codes = typeof e.code === 'string' ? [e.code] : [];
  // Node's happy-eyeballs connect reports an AggregateError with one error per address.
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      codes.push(...codesOf(inner));
    }
  }
  return codes;
}

function messageOf(err: unknown): string {
  if (err instanceof Error && err.message !== '') {
    return err.message;
  }
  const codes = codesOf(err);
  return codes.length > 0 ? codes.join(', ') : String(err);
}

function classify(err: unknown): ConnectionFailure {
  const codes = codesOf(err);
  for (const code of codes) {
    if (AUTH_CODES.has(code)) {
      return 'authentication';
    }
    if (MISSING_DATABASE_CODES.has(code)) {
      return 'database-not-found';
    }
  }
  for (const code of codes) {
    if (code in NETWORK_CODES) {
      return NETWORK_CODES[code];
    }
  }
  const message = messageOf(err);
  if (/timeout|timed out/i.test(message)) {
    return 'timeout';
  }
  // pg, when the server wants a password and none was given.
  if (/client password must be a string|password authentication failed|no password supplied/i.test(message)) {
    return 'authentication';
  }
  return 'other';
}

function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Turns a driver's connection error into a SourceConnectionError with a
 * one-line message that names host:port and what to check.
 */
export function toSourceConnectionError(err: unknown, endpoint: ConnectionEndpoint): SourceConnectionError {
  if (err instanceof SourceConnectionError) {
    return err;
  }
  const failure = classify(err);
  const where = `${engineLabel(endpoint.engine)} at ${endpointOf(endpoint)}`;
  const user = endpoint.user === undefined ? 'the user' : `user ${JSON.stringify(endpoint.user)}`;
  let message: string;
  switch (failure) {
    case 'refused':
      message = `cannot connect to ${where}: connection refused; check that the server is running and listening on that host and port`;
      break;
    case 'host-not-found':
      message = `cannot connect to ${where}: host ${JSON.stringify(endpoint.host)} not found; check the host name in the URL`;
      break;
    case 'timeout':
      message = `cannot connect to ${where}: timed out; check the host, the port and any firewall or security group in between`;
      break;
    case 'authentication':
      message = `authentication failed for ${user} on ${where} (${singleLine(messageOf(err))}); check the user name and password in the URL`;
      break;
    case 'database-not-found':
      message = `database ${JSON.stringify(endpoint.database ?? '')} does not exist on ${where}; check the database name in the URL`;
      break;
    default:
      message = `cannot connect to ${where}: ${singleLine(messageOf(err))}`;
  }
  return new SourceConnectionError(failure, endpoint, message);
}

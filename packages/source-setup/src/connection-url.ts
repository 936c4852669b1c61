/** Source engines with a preflight. */
export type SourceEngine = 'postgres' | 'mysql';

export const SOURCE_ENGINES: readonly SourceEngine[] = ['postgres', 'mysql'];

const ENGINE_LABELS: Record<SourceEngine, string> = { postgres: 'PostgreSQL', mysql: 'MySQL' };
const URL_SCHEMES: Record<SourceEngine, readonly string[]> = { postgres: ['postgres', 'postgresql'], mysql: ['mysql', 'mariadb'] };
const DEFAULT_PORTS: Record<SourceEngine, number> = { postgres: 5432, mysql: 3306 };

/** `PostgreSQL`, `MySQL`: for messages. */
export function engineLabel(engine: SourceEngine): string {
  return ENGINE_LABELS[engine];
}

/** An example URL for messages: `postgres://user:password@host:5432/database`. */
export function exampleUrl(engine: SourceEngine): string {
  return `${URL_SCHEMES[engine][0]}://user:password@host:${DEFAULT_PORTS[engine]}/database`;
}

/** A connection URL, taken apart. */
export interface ConnectionTarget {
  readonly engine: SourceEngine;
  /** Host name or address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Decoded; undefined when the URL has none (drivers may still find one, e.g. PGPASSWORD). */
  readonly password?: string;
  /** Decoded; undefined when the URL names none. */
  readonly database?: string;
  /** Query parameters (`sslmode`, `ssl`, …). */
  readonly params: ReadonlyMap<string, string>;
  /** The URL as given, for the driver. Contains the password: never print it, print `masked`. */
  readonly url: string;
  /** The URL with the password replaced by `***`. */
  readonly masked: string;
}

/** Thrown for a URL that cannot be used; the message says what is wrong and shows the masked URL. */
export class ConnectionUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionUrlError';
  }
}

/**
 * Replaces the password in a connection URL (user-info part and any
 * `password=` query parameter) with `***`. Works on strings that are not
 * valid URLs too, so it is safe for echoing any user input.
 */
export function maskConnectionUrl(raw: string): string {
  let masked = raw;
  const schemeEnd = masked.indexOf('://');
  if (schemeEnd >= 0) {
    const authorityStart = schemeEnd + 3;
    const at = masked.lastIndexOf('@');
    if (at > authorityStart) {
      const colon = masked.indexOf(':', authorityStart);
      if (colon >= 0 && colon < at) {
        masked = `${masked.slice(0, colon + 1)}***${masked.slice(at)}`;
      }
    }
  }
  return masked.replace(/([?&](?:password|pass|pwd)=)[^&#]*/gi, '$1***');
}

function decode(component: string, what: string, masked: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    throw new ConnectionUrlError(`connection URL ${masked}: the ${what} has an invalid %-escape; percent-encode special characters (e.g. @ as %40)`);
  }
}

/**
 * Parses a connection URL for an engine: `postgres://` or `postgresql://`
 * for PostgreSQL, `mysql://` or `mariadb://` for MySQL/MariaDB.
 * @throws ConnectionUrlError saying what is wrong and how to write it
 */
export function parseConnectionUrl(engine: SourceEngine, raw: string): ConnectionTarget {
  const masked = maskConnectionUrl(raw.trim());
  const example = exampleUrl(engine);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConnectionUrlError(`malformed connection URL ${JSON.stringify(masked)}: expected ${example}`);
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const schemes = URL_SCHEMES[engine];
  if (!schemes.includes(scheme)) {
    throw new ConnectionUrlError(
      `connection URL ${masked} starts with ${scheme}:// but the engine is ${engine}: use ${schemes.map((s) => `${s}://`).join(' or ')}, e.g. ${example}`,
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') {
    throw new ConnectionUrlError(`connection URL ${masked} has no host: expected ${example}`);
  }
  if (url.username === '') {
    throw new ConnectionUrlError(`connection URL ${masked} has no user: expected ${example}`);
  }
  const user = decode(url.username, 'user', masked);
  const password = url.password === '' ? undefined : decode(url.password, 'password', masked);
  const path = url.pathname.replace(/^\//, '');
  if (path.includes('/')) {
    throw new ConnectionUrlError(`connection URL ${masked}: the path must be a single database name, expected ${example}`);
  }
  const database = path === '' ? undefined : decode(path, 'database name', masked);
  const params = new Map<string, string>();
  url.searchParams.forEach((value, key) => params.set(key, value));
  return {
    engine,
    host,
    port: url.port === '' ? DEFAULT_PORTS[engine] : Number(url.port),
    user,
    password,
    database,
    params,
    url: raw.trim(),
    masked,
  };
}

/** `host:port`, with brackets around an IPv6 address. */
export function endpointOf(target: Pick<ConnectionTarget, 'host' | 'port'>): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

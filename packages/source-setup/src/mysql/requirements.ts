import { Evaluation, limitLines, listNames, plural, Requirement } from '../requirement';
import { displayName, TableRef } from '../table-selection';
import { BinlogRetentionFacts, evaluateBinlogRetention, RDS_RETENTION_FIX, RdsBinlogRetention, SELF_MANAGED_RETENTION_FIX } from './binlog-retention';
import { canSelectTable, hasGlobalPrivilege, UserGrants } from './grants';
import { quoteAccount, quoteIdent } from './quote';

/** Everything the MySQL requirements are evaluated on, read once from the live database. */
export interface MysqlSnapshot {
  /** SELECT VERSION(), e.g. `8.0.36` or `10.11.6-MariaDB-log`. */
  readonly version: string;
  /** Global variables by lower-case name; a variable the server does not have is absent. */
  readonly variables: ReadonlyMap<string, string>;
  /** Set on RDS/Aurora (mysql.rds_configuration exists). */
  readonly rdsBinlogRetention?: RdsBinlogRetention;
  /** The account the server authenticated (CURRENT_USER()). */
  readonly account: { readonly user: string; readonly host: string };
  /** Its SHOW GRANTS, parsed. */
  readonly grants: UserGrants;
  /** `explicit` when the caller named tables, `all` when every user table was taken. */
  readonly selection: 'explicit' | 'all';
  /** Tables the selectors matched. */
  readonly tables: readonly TableRef[];
  /** Selectors that matched no table. */
  readonly unmatched: readonly string[];
  /** lower_case_table_names ≠ 0: names compare case-insensitively. */
  readonly caseInsensitiveNames: boolean;
}

/** The global variables preflight reads. */
export const MYSQL_VARIABLE_NAMES = [
  'log_bin',
  'binlog_format',
  'binlog_row_image',
  'binlog_checksum',
  'binlog_expire_logs_seconds',
  'expire_logs_days',
  'binlog_expire_logs_auto_purge',
  'server_id',
  'lower_case_table_names',
  'basedir',
  'aurora_version',
] as const;

/** True on RDS and Aurora MySQL. */
export function isRdsMysql(snapshot: MysqlSnapshot): boolean {
  const variables = snapshot.variables;
  return snapshot.rdsBinlogRetention !== undefined || (variables.get('basedir') ?? '').startsWith('/rdsdbbin') || variables.has('aurora_version');
}

function variable(snapshot: MysqlSnapshot, name: string): string | undefined {
  return snapshot.variables.get(name);
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && ['ON', '1', 'TRUE', 'YES'].includes(value.toUpperCase());
}

const PARAMETER_GROUP = 'in the DB parameter group (the DB cluster parameter group for Aurora)';

/** A requirement that a global variable has one value. */
function variableEquals(name: string, expected: string, description: string): Requirement<MysqlSnapshot> {
  const selfManagedFix = `SET GLOBAL ${name} = '${expected}'; and ${name} = ${expected} under [mysqld] in my.cnf so it survives a restart`;
  return {
    id: name,
    description,
    evaluatedFrom: `SHOW GLOBAL VARIABLES: ${name}`,
    fix: `${selfManagedFix} (RDS/Aurora: set ${name} = ${expected} ${PARAMETER_GROUP})`,
    evaluate(snapshot): Evaluation {
      const value = variable(snapshot, name);
      if (value === undefined) {
        return { status: 'fail', detail: `the server has no ${name} variable; DMS needs ${name} = ${expected}` };
      }
      if (value.toUpperCase() === expected) {
        return { status: 'pass', detail: `${name} = ${value}` };
      }
      return {
        status: 'fail',
        detail: `${name} = ${value}; DMS needs ${expected}`,
        fix: isRdsMysql(snapshot) ? `set ${name} = ${expected} ${PARAMETER_GROUP}` : selfManagedFix,
      };
    },
  };
}

const NO_TABLES: Evaluation = { status: 'warn', detail: 'no tables selected: nothing to check', fix: 'select tables that exist (database.table, % wildcards)' };

const logBin: Requirement<MysqlSnapshot> = {
  id: 'log_bin',
  description: 'The binary log must be on: DMS reads changes from it.',
  evaluatedFrom: 'SHOW GLOBAL VARIABLES: log_bin',
  fix:
    'add log-bin = mysql-bin under [mysqld] in my.cnf and restart (RDS: turn on automated backups, backup retention ≥ 1 day; Aurora MySQL: set binlog_format in the DB cluster parameter group and reboot)',
  evaluate(snapshot) {
    const value = variable(snapshot, 'log_bin') ?? 'unknown';
    if (isOn(value)) {
      return { status: 'pass', detail: 'log_bin = ON' };
    }
    return {
      status: 'fail',
      detail: `log_bin = ${value}; DMS reads changes from the binary log`,
      fix: isRdsMysql(snapshot)
        ? 'RDS: turn on automated backups (backup retention ≥ 1 day); Aurora MySQL: set binlog_format = ROW in the DB cluster parameter group and reboot'
        : 'add log-bin = mysql-bin under [mysqld] in my.cnf and restart the server',
    };
  },
};

const binlogRetention: Requirement<MysqlSnapshot> = {
  id: 'binlog_retention',
  description:
    'Binary logs must be kept at least 24 hours, so a stopped or lagging task can resume (0 = never expire passes). On RDS/Aurora the setting is "binlog retention hours" in mysql.rds_configuration.',
  evaluatedFrom: 'SHOW GLOBAL VARIABLES: binlog_expire_logs_seconds, expire_logs_days, binlog_expire_logs_auto_purge; RDS: mysql.rds_configuration',
  fix: `${SELF_MANAGED_RETENTION_FIX} (RDS/Aurora: ${RDS_RETENTION_FIX})`,
  evaluate(snapshot) {
    const number = (name: string): number | undefined => {
      const value = variable(snapshot, name);
      return value === undefined || value === '' ? undefined : Number(value);
    };
    const autoPurge = variable(snapshot, 'binlog_expire_logs_auto_purge');
    const facts: BinlogRetentionFacts = {
      expireLogsSeconds: number('binlog_expire_logs_seconds'),
      expireLogsDays: number('expire_logs_days'),
      autoPurge: autoPurge === undefined ? undefined : isOn(autoPurge),
      rds: snapshot.rdsBinlogRetention,
    };
    return evaluateBinlogRetention(facts);
  },
};

const serverId: Requirement<MysqlSnapshot> = {
  id: 'server_id',
  description: 'server_id must be 1 or more: a server with id 0 refuses binlog clients such as DMS.',
  evaluatedFrom: 'SHOW GLOBAL VARIABLES: server_id',
  fix: 'SET GLOBAL server_id = 1; and server-id = 1 under [mysqld] in my.cnf (use an id no other server in the topology has)',
  evaluate(snapshot) {
    const value = Number(variable(snapshot, 'server_id') ?? '0');
    if (value >= 1) {
      return { status: 'pass', detail: `server_id = ${value}` };
    }
    return { status: 'fail', detail: `server_id = ${value}; DMS needs 1 or more` };
  },
};

const REPLICATION_PRIVILEGES = ['REPLICATION CLIENT', 'REPLICATION SLAVE'];

/** A note for failed privilege checks when privileges might come from roles or lines we could not read. */
function grantCaveats(grants: UserGrants): string {
  const notes: string[] = [];
  if (grants.roles.length > 0) {
    notes.push(`privileges of roles (${listNames(grants.roles)}) are not counted: DMS does not activate roles`);
  }
  if (grants.unparsed.length > 0) {
    notes.push(`${plural(grants.unparsed.length, 'SHOW GRANTS line')} not understood`);
  }
  return notes.length === 0 ? '' : `; ${notes.join('; ')}`;
}

const replicationGrants: Requirement<MysqlSnapshot> = {
  id: 'replication_grants',
  description:
    'The connecting user needs REPLICATION CLIENT (MariaDB 10.5+: BINLOG MONITOR) and REPLICATION SLAVE on *.* to read the binary log; ALL PRIVILEGES ON *.* counts.',
  evaluatedFrom: 'SHOW GRANTS (for CURRENT_USER())',
  fix: "GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO '<user>'@'<host>';",
  evaluate(snapshot) {
    const account = `${snapshot.account.user}@${snapshot.account.host}`;
    const missing = REPLICATION_PRIVILEGES.filter((privilege) => !hasGlobalPrivilege(snapshot.grants, privilege));
    if (missing.length === 0) {
      return { status: 'pass', detail: `${account} has ${REPLICATION_PRIVILEGES.join(' and ')}` };
    }
    const present = REPLICATION_PRIVILEGES.filter((privilege) => !missing.includes(privilege));
    return {
      status: 'fail',
      detail: `${account} is missing ${missing.join(' and ')} on *.*${present.length > 0 ? ` (has ${present.join(', ')})` : ''}${grantCaveats(snapshot.grants)}`,
      fix: `GRANT ${missing.join(', ')} ON *.* TO ${quoteAccount(snapshot.account.user, snapshot.account.host)};`,
    };
  },
};

const tablesExist: Requirement<MysqlSnapshot> = {
  id: 'tables_exist',
  description: 'Every table selector (database.table, % wildcards) must match at least one table; a selector that matches nothing is usually a typo.',
  evaluatedFrom: "information_schema.TABLES (TABLE_TYPE 'BASE TABLE'), which only lists tables the user has some privilege on",
  fix: 'correct the selector (database.table, % matches any characters) or create the table',
  evaluate(snapshot) {
    if (snapshot.unmatched.length > 0) {
      return {
        status: 'fail',
        detail: `no table matches ${listNames(snapshot.unmatched)} (or the user has no privilege on it)`,
      };
    }
    if (snapshot.tables.length === 0) {
      return { status: 'warn', detail: 'the user sees no tables outside the system databases', fix: 'create the tables to replicate, or grant SELECT on them' };
    }
    const which = snapshot.selection === 'all' ? 'all visible user tables' : 'selected';
    return { status: 'pass', detail: `${plural(snapshot.tables.length, 'table')} (${which}): ${listNames(snapshot.tables.map(displayName))}` };
  },
};

const tableSelect: Requirement<MysqlSnapshot> = {
  id: 'table_select',
  description: 'The connecting user needs SELECT on each selected table (on *.*, its database, or the table itself) for the full load.',
  evaluatedFrom: 'SHOW GRANTS (for CURRENT_USER())',
  fix: "GRANT SELECT ON `<database>`.* TO '<user>'@'<host>';",
  evaluate(snapshot) {
    if (snapshot.tables.length === 0) {
      return NO_TABLES;
    }
    const missing = snapshot.tables.filter((table) => !canSelectTable(snapshot.grants, table, snapshot.caseInsensitiveNames));
    const account = `${snapshot.account.user}@${snapshot.account.host}`;
    if (missing.length === 0) {
      return { status: 'pass', detail: `${account} can read all ${plural(snapshot.tables.length, 'selected table')}` };
    }
    const to = quoteAccount(snapshot.account.user, snapshot.account.host);
    return {
      status: 'fail',
      detail: `${account} has no SELECT on ${listNames(missing.map(displayName))}${grantCaveats(snapshot.grants)}`,
      fix: limitLines(missing.map((table) => `GRANT SELECT ON ${quoteIdent(table.schema)}.${quoteIdent(table.name)} TO ${to};`)).join('\n'),
    };
  },
};

/** The MySQL/MariaDB source requirements, in report order. */
export const MYSQL_REQUIREMENTS: readonly Requirement<MysqlSnapshot>[] = [
  logBin,
  variableEquals('binlog_format', 'ROW', 'binlog_format must be ROW: DMS needs the changed rows, not the statements.'),
  variableEquals('binlog_row_image', 'FULL', 'binlog_row_image must be FULL: DMS needs every column of the before and after images.'),
  variableEquals('binlog_checksum', 'NONE', 'binlog_checksum must be NONE for DMS to read the binary log.'),
  binlogRetention,
  serverId,
  replicationGrants,
  tablesExist,
  tableSelect,
];

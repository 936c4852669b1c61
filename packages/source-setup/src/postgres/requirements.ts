import { formatDuration, settingToMilliseconds } from '../duration';
import { Evaluation, limitLines, listNames, plural, Requirement } from '../requirement';
import { displayName, TableRef } from '../table-selection';
import { quoteIdent, quoteTable } from './quote';

/** One row of pg_settings. */
export interface PostgresSetting {
  readonly setting: string;
  readonly unit: string | null;
}

/** How a table's old row values reach the WAL on UPDATE and DELETE (pg_class.relreplident). */
export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';

/** What preflight knows about one selected table. */
export interface PostgresTableFacts extends TableRef {
  readonly hasPrimaryKey: boolean;
  readonly replicaIdentity: ReplicaIdentity;
  /** For replica identity `index`: whether the chosen index still exists. */
  readonly hasReplicaIdentityIndex: boolean;
  /** has_schema_privilege(schema, 'USAGE') for the connecting role. */
  readonly schemaUsage: boolean;
  /** has_table_privilege(table, 'SELECT') for the connecting role. */
  readonly select: boolean;
}

/** Everything the PostgreSQL requirements are evaluated on, read once from the live database. */
export interface PostgresSnapshot {
  /** pg_settings rows by name; a setting the server does not have is absent. */
  readonly settings: ReadonlyMap<string, PostgresSetting>;
  /** Rows in pg_replication_slots. */
  readonly replicationSlotsInUse: number;
  /**
   * Inactive slots named `lakehouse_…` (the local lakehouse's capture creates them; an abandoned raw
   * zone leaves one behind), which `lakehouse local slots --drop-inactive` frees.
   * @default 0
   */
  readonly inactiveLakehouseSlots?: number;
  /** Rows in pg_stat_replication (running WAL senders). */
  readonly activeWalSenders: number;
  /** Replication tasks that will read this database. */
  readonly expectedTasks: number;
  /** The connecting role. */
  readonly role: {
    readonly name: string;
    readonly superuser: boolean;
    readonly replication: boolean;
    /** Membership of rds_replication; undefined when the server has no such role (not RDS). */
    readonly rdsReplication: boolean | undefined;
  };
  /** `explicit` when the caller named tables, `all` when every user table was taken. */
  readonly selection: 'explicit' | 'all';
  /** Tables the selectors matched. */
  readonly tables: readonly PostgresTableFacts[];
  /** Selectors that matched no table. */
  readonly unmatched: readonly string[];
}

/** The settings preflight reads from pg_settings. */
export const POSTGRES_SETTING_NAMES = [
  'wal_level',
  'rds.logical_replication',
  'max_replication_slots',
  'max_wal_senders',
  'wal_sender_timeout',
] as const;

/** Shortest non-zero wal_sender_timeout DMS works with. */
export const MIN_WAL_SENDER_TIMEOUT_MS = 10_000;

/** True on Amazon RDS and Aurora PostgreSQL, which have the rds.logical_replication parameter. */
export function isRdsPostgres(snapshot: PostgresSnapshot): boolean {
  return snapshot.settings.has('rds.logical_replication');
}

function setting(snapshot: PostgresSnapshot, name: string): PostgresSetting | undefined {
  return snapshot.settings.get(name);
}

function integerSetting(snapshot: PostgresSnapshot, name: string): number | undefined {
  const value = setting(snapshot, name);
  return value === undefined ? undefined : Number(value.setting);
}

const PARAMETER_GROUP = 'in the DB parameter group (the DB cluster parameter group for Aurora)';

/** A fix for a setting: ALTER SYSTEM on a self-managed server, the parameter group on RDS. */
function settingFix(snapshot: PostgresSnapshot, name: string, value: string, apply: 'restart' | 'reload'): string {
  if (isRdsPostgres(snapshot)) {
    return `set ${name} = ${value} ${PARAMETER_GROUP}${apply === 'restart' ? ', then reboot the instance' : ''}`;
  }
  const then = apply === 'restart' ? 'then restart PostgreSQL' : 'SELECT pg_reload_conf();';
  return `ALTER SYSTEM SET ${name} = ${value}; ${then}`;
}

function capacity(snapshot: PostgresSnapshot, name: 'max_replication_slots' | 'max_wal_senders', inUse: number, what: string): Evaluation {
  const max = integerSetting(snapshot, name);
  if (max === undefined) {
    return { status: 'warn', detail: `${name} is not visible to this role`, fix: `SHOW ${name}; as a superuser` };
  }
  const free = max - inUse;
  const tasks = plural(snapshot.expectedTasks, 'task');
  const detail = `${name} = ${max}, ${inUse} in use: ${free} free for ${tasks}`;
  if (free >= snapshot.expectedTasks) {
    return { status: 'pass', detail };
  }
  return {
    status: 'fail',
    detail: `${detail} (each task needs its own ${what})`,
    fix: settingFix(snapshot, name, String(inUse + snapshot.expectedTasks), 'restart'),
  };
}

/** Whether DMS sees the old row of UPDATEs and DELETEs: a primary key, REPLICA IDENTITY FULL, or a replica identity index. */
export function replicaIdentityProblem(table: PostgresTableFacts): string | undefined {
  switch (table.replicaIdentity) {
    case 'full':
      return undefined;
    case 'default':
      return table.hasPrimaryKey ? undefined : 'no primary key';
    case 'index':
      return table.hasReplicaIdentityIndex ? undefined : 'replica identity index is missing';
    case 'nothing':
      return 'REPLICA IDENTITY NOTHING';
  }
}

const NO_TABLES: Evaluation = { status: 'warn', detail: 'no tables selected: nothing to check', fix: 'select tables that exist (schema.table, % wildcards)' };

const walLevel: Requirement<PostgresSnapshot> = {
  id: 'wal_level',
  description:
    'Logical decoding must be enabled: wal_level = logical on a self-managed server; on RDS and Aurora the static parameter rds.logical_replication = 1, which sets wal_level = logical after a reboot.',
  evaluatedFrom: 'pg_settings: wal_level, rds.logical_replication',
  fix:
    'ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL (RDS/Aurora: set rds.logical_replication = 1 in the DB parameter group and reboot)',
  evaluate(snapshot) {
    const level = setting(snapshot, 'wal_level')?.setting ?? 'unknown';
    const rds = setting(snapshot, 'rds.logical_replication');
    if (rds !== undefined) {
      if (rds.setting === 'on' || rds.setting === '1') {
        return { status: 'pass', detail: `rds.logical_replication is on (wal_level = ${level})` };
      }
      return {
        status: 'fail',
        detail: `rds.logical_replication is ${rds.setting} (wal_level = ${level}); DMS needs logical decoding`,
        fix: `set rds.logical_replication = 1 ${PARAMETER_GROUP}, then reboot the instance`,
      };
    }
    if (level === 'logical') {
      return { status: 'pass', detail: 'wal_level = logical' };
    }
    return {
      status: 'fail',
      detail: `wal_level = ${level}; DMS needs logical`,
      fix: 'ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL',
    };
  },
};

const replicationSlots: Requirement<PostgresSnapshot> = {
  id: 'replication_slots',
  description: 'Every DMS task holds one logical replication slot: max_replication_slots minus the slots that exist must cover the tasks.',
  evaluatedFrom: 'pg_settings: max_replication_slots; count(*) FROM pg_replication_slots',
  fix: 'ALTER SYSTEM SET max_replication_slots = <slots in use + tasks>; then restart PostgreSQL (RDS/Aurora: the parameter group, then reboot)',
  evaluate: (snapshot) => {
    const evaluation = capacity(snapshot, 'max_replication_slots', snapshot.replicationSlotsInUse, 'replication slot');
    const lakehouse = snapshot.inactiveLakehouseSlots ?? 0;
    if (evaluation.status !== 'fail' || lakehouse === 0) return evaluation;
    return {
      ...evaluation,
      fix: `lakehouse local slots --source URL --drop-inactive   (frees the ${plural(lakehouse, 'inactive local-lakehouse slot')})\n`
        + `or ${evaluation.fix}`,
    };
  },
};

const walSenders: Requirement<PostgresSnapshot> = {
  id: 'wal_senders',
  description: 'Every DMS task streams through one WAL sender process: max_wal_senders minus the active senders must cover the tasks.',
  evaluatedFrom: 'pg_settings: max_wal_senders; count(*) FROM pg_stat_replication',
  fix: 'ALTER SYSTEM SET max_wal_senders = <senders in use + tasks>; then restart PostgreSQL (RDS/Aurora: the parameter group, then reboot)',
  evaluate: (snapshot) => capacity(snapshot, 'max_wal_senders', snapshot.activeWalSenders, 'WAL sender'),
};

const walSenderTimeout: Requirement<PostgresSnapshot> = {
  id: 'wal_sender_timeout',
  description: 'wal_sender_timeout must be 0 (disabled) or at least 10 s, or the server drops DMS while it is busy writing to the target.',
  evaluatedFrom: 'pg_settings: wal_sender_timeout',
  fix: "ALTER SYSTEM SET wal_sender_timeout = '60s'; SELECT pg_reload_conf(); (RDS/Aurora: the parameter group)",
  evaluate(snapshot) {
    const value = setting(snapshot, 'wal_sender_timeout');
    if (value === undefined) {
      return { status: 'warn', detail: 'wal_sender_timeout is not visible to this role', fix: 'SHOW wal_sender_timeout; as a superuser' };
    }
    const ms = settingToMilliseconds(value.setting, value.unit);
    if (ms === 0) {
      return { status: 'pass', detail: 'wal_sender_timeout = 0 (disabled)' };
    }
    if (ms >= MIN_WAL_SENDER_TIMEOUT_MS) {
      return { status: 'pass', detail: `wal_sender_timeout = ${formatDuration(ms)}` };
    }
    return {
      status: 'fail',
      detail: `wal_sender_timeout = ${formatDuration(ms)}; DMS needs 0 or at least ${formatDuration(MIN_WAL_SENDER_TIMEOUT_MS)}`,
      fix: settingFix(snapshot, 'wal_sender_timeout', "'60s'", 'reload'),
    };
  },
};

const replicationPrivilege: Requirement<PostgresSnapshot> = {
  id: 'replication_privilege',
  description:
    'The connecting role must be allowed to create and read replication slots: the REPLICATION attribute or superuser; on RDS and Aurora membership of rds_replication.',
  evaluatedFrom: 'pg_roles (rolsuper, rolreplication) of current_user; pg_has_role(current_user, rds_replication, MEMBER)',
  fix: 'ALTER ROLE <user> REPLICATION; as a superuser (RDS/Aurora: GRANT rds_replication TO <user>; as the master user)',
  evaluate(snapshot) {
    const role = snapshot.role;
    const name = JSON.stringify(role.name);
    if (role.superuser) {
      return { status: 'pass', detail: `role ${name} is a superuser` };
    }
    if (role.replication) {
      return { status: 'pass', detail: `role ${name} has the REPLICATION attribute` };
    }
    if (role.rdsReplication === true) {
      return { status: 'pass', detail: `role ${name} is a member of rds_replication` };
    }
    if (role.rdsReplication === false || isRdsPostgres(snapshot)) {
      return {
        status: 'fail',
        detail: `role ${name} is not a member of rds_replication`,
        fix: `GRANT rds_replication TO ${quoteIdent(role.name)}; (as the master user, a member of rds_superuser)`,
      };
    }
    return {
      status: 'fail',
      detail: `role ${name} has neither the REPLICATION attribute nor superuser`,
      fix: `ALTER ROLE ${quoteIdent(role.name)} REPLICATION; (as a superuser)`,
    };
  },
};

const tablesExist: Requirement<PostgresSnapshot> = {
  id: 'tables_exist',
  description: 'Every table selector (schema.table, % wildcards) must match at least one table; a selector that matches nothing is usually a typo.',
  evaluatedFrom: "pg_class (relkind 'r', 'p') joined to pg_namespace",
  fix: 'correct the selector (schema.table, % matches any characters) or create the table',
  evaluate(snapshot) {
    if (snapshot.unmatched.length > 0) {
      return {
        status: 'fail',
        detail: `no table matches ${listNames(snapshot.unmatched)}`,
        fix: 'correct the selector (schema.table, % matches any characters, names are case-sensitive) or create the table',
      };
    }
    if (snapshot.tables.length === 0) {
      return { status: 'warn', detail: 'the database has no user tables', fix: 'create the tables to replicate, or connect to the right database' };
    }
    const which = snapshot.selection === 'all' ? 'all user tables' : 'selected';
    return { status: 'pass', detail: `${plural(snapshot.tables.length, 'table')} (${which}): ${listNames(snapshot.tables.map(displayName))}` };
  },
};

const tableSelect: Requirement<PostgresSnapshot> = {
  id: 'table_select',
  description: 'The connecting role needs USAGE on each selected schema and SELECT on each selected table, for the full load and to read changes.',
  evaluatedFrom: "has_schema_privilege(schema, 'USAGE') and has_table_privilege(table, 'SELECT')",
  fix: 'GRANT USAGE ON SCHEMA <schema> TO <user>; GRANT SELECT ON <schema>.<table> TO <user>;',
  evaluate(snapshot) {
    if (snapshot.tables.length === 0) {
      return NO_TABLES;
    }
    const missing = snapshot.tables.filter((table) => !table.select || !table.schemaUsage);
    if (missing.length === 0) {
      return { status: 'pass', detail: `role ${JSON.stringify(snapshot.role.name)} can read all ${plural(snapshot.tables.length, 'selected table')}` };
    }
    const role = quoteIdent(snapshot.role.name);
    const schemas = [...new Set(missing.filter((table) => !table.schemaUsage).map((table) => table.schema))];
    const fix = limitLines([
      ...schemas.map((schema) => `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${role};`),
      ...missing.filter((table) => !table.select).map((table) => `GRANT SELECT ON TABLE ${quoteTable(table)} TO ${role};`),
    ]);
    return {
      status: 'fail',
      detail: `role ${JSON.stringify(snapshot.role.name)} cannot read ${listNames(missing.map(displayName))}`,
      fix: fix.join('\n'),
    };
  },
};

const replicaIdentity: Requirement<PostgresSnapshot> = {
  id: 'replica_identity',
  description:
    'Each selected table needs a primary key or REPLICA IDENTITY FULL: without one the WAL carries no old row, and DMS ignores the UPDATEs and DELETEs of that table.',
  evaluatedFrom: 'pg_class.relreplident and pg_index (indisprimary, indisreplident)',
  fix: 'ALTER TABLE <schema>.<table> REPLICA IDENTITY FULL; or add a primary key',
  evaluate(snapshot) {
    if (snapshot.tables.length === 0) {
      return NO_TABLES;
    }
    const failing = snapshot.tables.filter((table) => replicaIdentityProblem(table) !== undefined);
    if (failing.length === 0) {
      return { status: 'pass', detail: `all ${plural(snapshot.tables.length, 'selected table')} have a primary key or REPLICA IDENTITY FULL` };
    }
    const problems = failing.map((table) => `${displayName(table)} (${replicaIdentityProblem(table)})`);
    return {
      status: 'fail',
      detail: `DMS would ignore UPDATEs and DELETEs of ${listNames(problems)}`,
      fix: [
        ...limitLines(failing.map((table) => `ALTER TABLE ${quoteTable(table)} REPLICA IDENTITY FULL;`)),
        'or add a primary key: ALTER TABLE <table> ADD PRIMARY KEY (<columns>);',
      ].join('\n'),
    };
  },
};

/** The PostgreSQL source requirements, in report order. */
export const POSTGRES_REQUIREMENTS: readonly Requirement<PostgresSnapshot>[] = [
  walLevel,
  replicationSlots,
  walSenders,
  walSenderTimeout,
  replicationPrivilege,
  tablesExist,
  tableSelect,
  replicaIdentity,
];

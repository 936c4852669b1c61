import * as fc from 'fast-check';
import { ChangeOperation, ColumnDefinition, CurationPlan, DmsRawWriter, LocalCurationRunner, RawChange, RawTableRef } from '../../src';

/** The source table of the generated histories. */
export const HISTORY_TABLE = { schema: 'shop', table: 'items' };

/** Its columns: a small integer key and a few nullable data columns of different types. */
export const HISTORY_COLUMNS: ColumnDefinition[] = [
  { name: 'id', type: 'int' },
  { name: 'name', type: 'string' },
  { name: 'amount', type: 'decimal(10,2)' },
  { name: 'flag', type: 'boolean' },
];

/** A source row. */
export interface SourceRow {
  readonly id: number;
  readonly name: string | null;
  readonly amount: string | null;
  readonly flag: boolean | null;
}

/** How the DMS task and the plan are configured for one history. */
export interface HistoryVariant {
  /** Whether the task adds the change-sequence column. Without it, histories have no re-deliveries (ordering would be ambiguous). */
  readonly changeSequence: boolean;
  /** Hard or soft deletes. */
  readonly deletes: 'hard' | 'soft';
  /** The change sequence of full-load rows: empty string or NULL. */
  readonly loadSequence: '' | null;
  /** D rows carry only the key (PostgreSQL's default replica identity) instead of the whole before-image. */
  readonly keyOnlyBeforeImage: boolean;
  /** Full-load files with or without the op column. */
  readonly includeOpForFullLoad: boolean;
  /** CDC files in `yyyy/mm/dd` folders or directly in the table folder. */
  readonly datePartitioned: boolean;
}

/** One step of a history. */
export type HistoryCommand =
  /** A source transaction: each op writes (insert or update) or deletes one key; `sameCommitTime` reuses the previous commit timestamp. */
  | { readonly kind: 'transaction'; readonly ops: readonly { readonly id: number; readonly remove: boolean; readonly values: Omit<SourceRow, 'id'> }[]; readonly sameCommitTime: boolean }
  /** DMS closes the current CDC file. */
  | { readonly kind: 'flush' }
  /**
   * DMS delivers `count` CDC files again: the last ones (at-least-once delivery after a task
   * restart), or, where the plan can take it (soft deletes keep tombstones), older ones that
   * end `skipLast` files before the last.
   */
  | { readonly kind: 'redeliver'; readonly count: number; readonly skipLast: number }
  /** The runner applies what is there, `maxFilesPerBatch` files per transaction. */
  | { readonly kind: 'run'; readonly maxFilesPerBatch: number }
  /** The runner process stops and a new one opens the same database. */
  | { readonly kind: 'reopen' }
  /** The table is reloaded: a new full load of the current source state, in files of `rowsPerFile` rows. */
  | { readonly kind: 'reload'; readonly rowsPerFile: number };

/** A generated history: DMS configuration, the source's initial rows, then commands. */
export interface History {
  readonly variant: HistoryVariant;
  readonly initial: readonly SourceRow[];
  readonly commands: readonly HistoryCommand[];
}

const KEYS = [1, 2, 3, 4, 5];

const valuesArbitrary = fc.record({
  name: fc.option(fc.constantFrom('a', 'b', "o'neil", 'zoë', ''), { nil: null }),
  amount: fc.option(fc.integer({ min: -99_999, max: 99_999 }).map(centsToDecimal), { nil: null }),
  flag: fc.option(fc.boolean(), { nil: null }),
});

const commandArbitrary: fc.Arbitrary<HistoryCommand> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('transaction' as const),
      ops: fc.array(fc.record({ id: fc.constantFrom(...KEYS), remove: fc.boolean(), values: valuesArbitrary }), { minLength: 1, maxLength: 4 }),
      sameCommitTime: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), count: fc.integer({ min: 1, max: 3 }), skipLast: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('run' as const), maxFilesPerBatch: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const), rowsPerFile: fc.integer({ min: 1, max: 3 }) }) },
);

/** Random histories over five keys. */
export const historyArbitrary: fc.Arbitrary<History> = fc.record({
  variant: fc.record({
    changeSequence: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    deletes: fc.constantFrom('hard' as const, 'soft' as const),
    loadSequence: fc.constantFrom('' as const, null),
    keyOnlyBeforeImage: fc.boolean(),
    includeOpForFullLoad: fc.boolean(),
    datePartitioned: fc.boolean(),
  }),
  initial: fc.uniqueArray(fc.record({ id: fc.constantFrom(...KEYS), values: valuesArbitrary }), { selector: (r) => r.id, maxLength: 5 })
    .map((rows) => rows.map((r) => ({ id: r.id, ...r.values }))),
  commands: fc.array(commandArbitrary, { minLength: 8, maxLength: 30, size: 'medium' }),
}).map((h) => (h.variant.changeSequence ? h : { ...h, commands: h.commands.filter((c) => c.kind !== 'redeliver') }));

/** The plan a history is curated with. */
export function historyPlan(variant: HistoryVariant, table: RawTableRef = HISTORY_TABLE): CurationPlan {
  return new CurationPlan({
    source: { ...table, format: { changeSequenceColumn: variant.changeSequence ? '_dms_change_seq' : null } },
    curated: { database: 'lake', table: 'items' },
    columns: HISTORY_COLUMNS,
    primaryKey: ['id'],
    deletes: variant.deletes,
  });
}

/** A curated row as the comparison query returns it. */
export type CuratedRow = Record<string, unknown>;

/**
 * The source database and what the curated table must hold: it applies each change in commit
 * order (the truth), and emits the DMS rows the writer puts into files.
 */
export class SourceSimulation {
  private readonly source = new Map<number, SourceRow>();
  private readonly expected = new Map<number, CuratedRow>();
  private clockSeconds = 0;
  private sequence = 0;

  constructor(private readonly variant: HistoryVariant) {}

  /** Commit timestamp string of the current clock. */
  get commitTimestamp(): string {
    return new Date(Date.UTC(2024, 0, 1) + this.clockSeconds * 1000).toISOString().replace('T', ' ').replace('Z', '000');
  }

  /** Rows in the source now. */
  get sourceRowCount(): number {
    return this.source.size;
  }

  /**
   * A full load of `rows` (default: the current source rows): the rows of a new LOAD, which
   * the curated table is rebuilt from. Advances the clock: a load is stamped with the task start.
   */
  fullLoad(rows: readonly SourceRow[] = [...this.source.values()]): RawChange[] {
    this.clockSeconds += 1;
    this.source.clear();
    this.expected.clear();
    return [...rows].sort((a, b) => a.id - b.id).map((row) => {
      this.source.set(row.id, row);
      const change: RawChange = { op: 'I', commitTimestamp: this.commitTimestamp, changeSequence: this.variant.loadSequence, values: { ...row } };
      this.expect(change);
      return change;
    });
  }

  /** Applies one transaction to the source and returns the DMS rows it produces. */
  transaction(command: Extract<HistoryCommand, { kind: 'transaction' }>): RawChange[] {
    if (!command.sameCommitTime) this.clockSeconds += 1;
    return command.ops.map((op) => {
      const current = this.source.get(op.id);
      let kind: ChangeOperation;
      let image: SourceRow;
      if (op.remove && current) {
        kind = 'D';
        image = this.variant.keyOnlyBeforeImage ? { id: op.id, name: null, amount: null, flag: null } : current;
        this.source.delete(op.id);
      } else {
        kind = current ? 'U' : 'I';
        image = { id: op.id, ...op.values };
        this.source.set(op.id, image);
      }
      this.sequence += 1;
      const change: RawChange = {
        op: kind,
        commitTimestamp: this.commitTimestamp,
        changeSequence: `${String(this.clockSeconds).padStart(16, '0')}${String(this.sequence).padStart(19, '0')}`,
        values: { ...image },
      };
      this.expect(change);
      return change;
    });
  }

  /** What the curated table must hold now, ordered by key, in the shape of {@link readCurated}. */
  expectedRows(): CuratedRow[] {
    return [...this.expected.entries()].sort(([a], [b]) => a - b).map(([, row]) => row);
  }

  private expect(change: RawChange): void {
    const id = change.values.id as number;
    if (change.op === 'D' && this.variant.deletes === 'hard') {
      this.expected.delete(id);
      return;
    }
    const deleted = change.op === 'D';
    this.expected.set(id, {
      ...rowShape(change.values as unknown as SourceRow),
      _dms_commit_ts: change.commitTimestamp,
      ...(this.variant.changeSequence ? { _dms_change_seq: change.changeSequence ?? '' } : {}),
      ...(this.variant.deletes === 'soft' ? { _is_deleted: deleted, _deleted_at: deleted ? change.commitTimestamp : null } : {}),
    });
  }
}

/** Reads the curated table in the shape of {@link SourceSimulation.expectedRows} (through a runner or any connection that can query). */
export async function readCurated(
  runner: Pick<LocalCurationRunner, 'query' | 'qualifiedTableName'>, variant: HistoryVariant,
): Promise<CuratedRow[]> {
  const columns = [
    'id', 'name', 'CAST(amount AS VARCHAR) AS amount', 'flag', '_dms_commit_ts',
    ...(variant.changeSequence ? ['_dms_change_seq'] : []),
    ...(variant.deletes === 'soft' ? ['_is_deleted', "strftime(_deleted_at, '%Y-%m-%d %H:%M:%S.%f') AS _deleted_at"] : []),
  ];
  return runner.query(`SELECT ${columns.join(', ')} FROM ${runner.qualifiedTableName} ORDER BY id`);
}

/** Opens a raw-zone writer configured like the history's DMS task. */
export async function historyWriter(rootDir: string, variant: HistoryVariant): Promise<DmsRawWriter> {
  return DmsRawWriter.open({
    layout: { rootDir, datePartitioning: variant.datePartitioned ? { sequence: 'YYYYMMDD', delimiter: 'SLASH' } : undefined },
    format: { changeSequenceColumn: variant.changeSequence ? '_dms_change_seq' : null },
    includeOpForFullLoad: variant.includeOpForFullLoad,
    compression: 'uncompressed',
  });
}

function rowShape(row: SourceRow): CuratedRow {
  return { id: row.id, name: row.name ?? null, amount: row.amount ?? null, flag: row.flag ?? null };
}

function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

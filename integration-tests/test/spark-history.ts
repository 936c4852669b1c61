import { ChangeFile, ColumnDefinition, CurationPlanProps, DmsRawWriter, RawChange, RawTableRef, SOFT_DELETE_COLUMNS } from '@cdc-lakehouse/curation';

// Change histories for comparing curation engines: seeded, so a failure replays exactly. Each history
// is cut into phases; both engines curate at the end of every phase, so reloads, re-deliveries and
// ties land both inside one run and across runs.

/** The columns of every history table: a small integer key and nullable data columns. */
export const HISTORY_COLUMNS: ColumnDefinition[] = [
  { name: 'id', type: 'int' },
  { name: 'name', type: 'string' },
  { name: 'amount', type: 'decimal(10,2)' },
  { name: 'flag', type: 'boolean' },
];

/** How DMS and the plan are set up for one history. */
export interface HistoryVariant {
  readonly deletes: 'hard' | 'soft';
  /** Change sequence of full-load rows. */
  readonly loadSequence: '' | null;
  /** D rows carry only the key (PostgreSQL's default replica identity). */
  readonly keyOnlyBeforeImage: boolean;
  /** Full-load files with the op column. */
  readonly includeOpForFullLoad: boolean;
  /** CDC files in `yyyy/mm/dd` folders. */
  readonly datePartitioned: boolean;
}

interface Values {
  readonly name: string | null;
  readonly amount: string | null;
  readonly flag: boolean | null;
}

/** One step: a source transaction, DMS closing a file, DMS re-sending files, or a reload. */
export type HistoryStep =
  | { readonly kind: 'transaction'; readonly ops: readonly { readonly id: number; readonly remove: boolean; readonly values: Values }[]; readonly sameCommitTime: boolean }
  | { readonly kind: 'flush' }
  | { readonly kind: 'redeliver'; readonly count: number; readonly skipLast: number }
  | { readonly kind: 'reload'; readonly rowsPerFile: number };

/** A history: its table, DMS setup, initial rows, and steps per phase. */
export interface History {
  readonly table: RawTableRef;
  readonly variant: HistoryVariant;
  readonly initial: readonly ({ readonly id: number } & Values)[];
  readonly phases: readonly (readonly HistoryStep[])[];
}

/** A small seeded PRNG (Park–Miller MINSTD): the same numbers for the same seed, everywhere. */
export function random(seed: number): () => number {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

const KEYS = [1, 2, 3, 4, 5];
const NAMES = ['a', 'b', "o'neil", 'zoë', '', null];

function generateValues(rnd: () => number): Values {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const cents = Math.floor(rnd() * 199_999) - 99_999;
  const abs = Math.abs(cents);
  return {
    name: pick(NAMES),
    amount: rnd() < 0.2 ? null : `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`,
    flag: pick([true, false, null]),
  };
}

function generateStep(rnd: () => number): HistoryStep {
  const r = rnd();
  const int = (min: number, max: number): number => min + Math.floor(rnd() * (max - min + 1));
  if (r < 0.55) {
    const ops = Array.from({ length: int(1, 4) }, () => ({ id: KEYS[int(0, KEYS.length - 1)], remove: rnd() < 0.35, values: generateValues(rnd) }));
    return { kind: 'transaction', ops, sameCommitTime: rnd() < 0.3 };
  }
  if (r < 0.8) return { kind: 'flush' };
  if (r < 0.92) return { kind: 'redeliver', count: int(1, 3), skipLast: int(0, 3) };
  return { kind: 'reload', rowsPerFile: int(1, 3) };
}

/** `count` seeded histories of `phases` phases, tables `<schema>.items_<n>`. */
export function generateHistories(seed: number, count: number, phases: number, schema = 'shop'): History[] {
  const rnd = random(seed);
  return Array.from({ length: count }, (_, n) => {
    const variant: HistoryVariant = {
      // alternate so that both delete modes are always covered
      deletes: n % 2 === 0 ? 'hard' : 'soft',
      loadSequence: rnd() < 0.5 ? '' : null,
      keyOnlyBeforeImage: rnd() < 0.5,
      includeOpForFullLoad: rnd() < 0.5,
      datePartitioned: rnd() < 0.3,
    };
    const initial = KEYS.filter(() => rnd() < 0.6).map((id) => ({ id, ...generateValues(rnd) }));
    const steps = Array.from({ length: phases }, () => Array.from({ length: 4 + Math.floor(rnd() * 8) }, () => generateStep(rnd)));
    return { table: { schema, table: `items_${n + 1}` }, variant, initial, phases: steps };
  });
}

/** The plan of a history table, as `--plans` takes it (complete: the table has no `_table.json`). */
export function historyPlanProps(history: History): CurationPlanProps {
  return {
    source: { schema: history.table.schema, table: history.table.table },
    curated: { database: 'lake', table: history.table.table },
    columns: HISTORY_COLUMNS,
    primaryKey: ['id'],
    deletes: history.variant.deletes,
  };
}

/**
 * Plays a history's phases into a raw zone, one phase per call, as a DMS task would write them:
 * the source applies each transaction (so before-images and re-inserts are right), CDC files close
 * on `flush`, re-deliveries copy files written since the last load, a reload rewrites the LOAD files.
 */
export class HistoryPlayer {
  private readonly source = new Map<number, { readonly id: number } & Values>();
  private clockSeconds = 0;
  private sequence = 0;
  private pending: RawChange[] = [];
  private sinceLoad: ChangeFile[] = [];

  constructor(private readonly history: History, private readonly writer: DmsRawWriter) {}

  /** Writes the initial full load (DMS writes no LOAD file for an empty table). */
  async start(): Promise<void> {
    if (this.history.initial.length > 0) await this.load(this.history.initial, 2);
  }

  /** Writes phase `index`, ending with an open file flushed. */
  async play(index: number): Promise<void> {
    for (const step of this.history.phases[index]) {
      switch (step.kind) {
        case 'transaction':
          this.transaction(step);
          break;
        case 'flush':
          await this.flush();
          break;
        case 'redeliver': {
          // older files out of order are safe only with soft deletes (a hard-deleted key leaves no trace)
          const skip = this.history.variant.deletes === 'soft' ? Math.min(step.skipLast, this.sinceLoad.length) : 0;
          for (const file of this.sinceLoad.slice(0, this.sinceLoad.length - skip).slice(-step.count)) {
            await this.writer.redeliver(this.history.table, file);
          }
          break;
        }
        case 'reload':
          await this.flush();
          if (this.source.size > 0) await this.load([...this.source.values()], step.rowsPerFile);
          break;
      }
    }
    await this.flush();
  }

  private get commitTimestamp(): string {
    return new Date(Date.UTC(2024, 0, 1) + this.clockSeconds * 1000).toISOString().replace('T', ' ').replace('Z', '000');
  }

  private async load(rows: readonly ({ readonly id: number } & Values)[], rowsPerFile: number): Promise<void> {
    this.clockSeconds += 1;
    this.source.clear();
    const changes = [...rows].sort((a, b) => a.id - b.id).map((row): RawChange => {
      this.source.set(row.id, row);
      return { op: 'I', commitTimestamp: this.commitTimestamp, changeSequence: this.history.variant.loadSequence, values: { ...row } };
    });
    await this.writer.writeLoad(this.history.table, HISTORY_COLUMNS, changes, rowsPerFile);
    this.sinceLoad = [];
  }

  private transaction(step: Extract<HistoryStep, { kind: 'transaction' }>): void {
    if (!step.sameCommitTime) this.clockSeconds += 1;
    for (const op of step.ops) {
      const current = this.source.get(op.id);
      let kind: 'I' | 'U' | 'D';
      let image: { readonly id: number } & Values;
      if (op.remove && current) {
        kind = 'D';
        image = this.history.variant.keyOnlyBeforeImage ? { id: op.id, name: null, amount: null, flag: null } : current;
        this.source.delete(op.id);
      } else {
        kind = current ? 'U' : 'I';
        image = { id: op.id, ...op.values };
        this.source.set(op.id, image);
      }
      this.sequence += 1;
      this.pending.push({
        op: kind,
        commitTimestamp: this.commitTimestamp,
        changeSequence: `${String(this.clockSeconds).padStart(16, '0')}${String(this.sequence).padStart(19, '0')}`,
        values: { ...image },
      });
    }
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    this.sinceLoad.push(await this.writer.writeChanges(this.history.table, HISTORY_COLUMNS, this.pending));
    this.pending = [];
  }
}

/** Opens a raw-zone writer configured like a history's DMS task. */
export async function historyWriter(rootDir: string, variant: HistoryVariant): Promise<DmsRawWriter> {
  return DmsRawWriter.open({
    layout: { rootDir, datePartitioning: variant.datePartitioned ? { sequence: 'YYYYMMDD', delimiter: 'SLASH' } : undefined },
    includeOpForFullLoad: variant.includeOpForFullLoad,
    compression: 'uncompressed',
  });
}

/**
 * The SELECT that renders a history table the same way on every engine (decimals and timestamps as
 * text), with the table name as the first column. `dialect` picks the timestamp formatting.
 */
export function historyRowsSql(history: History, qualifiedName: string, dialect: 'duckdb' | 'spark'): string {
  // whatever the curation package names its soft-delete columns, the rows come back as `deleted` and `deleted_at`
  const { deleted, deletedAt } = SOFT_DELETE_COLUMNS;
  const deletedAtText = dialect === 'spark' ? `date_format(${deletedAt}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')` : `strftime(${deletedAt}, '%Y-%m-%d %H:%M:%S.%f')`;
  const columns = [
    `'${history.table.table}' AS t`, 'id', 'name', 'CAST(amount AS STRING) AS amount', 'flag', '_dms_commit_ts', '_dms_change_seq',
    // hard-delete tables have no such columns: NULLs keep every history's rows one shape, so they can be UNIONed
    ...(history.variant.deletes === 'soft'
      ? [`${deleted} AS deleted`, `${deletedAtText} AS deleted_at`]
      : ['CAST(NULL AS BOOLEAN) AS deleted', 'CAST(NULL AS STRING) AS deleted_at']),
  ];
  return `SELECT ${columns.join(', ')} FROM ${qualifiedName}`;
}

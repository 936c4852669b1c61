import {
  ChangeOrdering, ColumnDefinition, CuratedTable, CurationMode, CurationPlanProps, CurationSettings, DeleteHandling, MaintenanceSettings,
  PartitionField, SOFT_DELETE_COLUMNS, TableProperties, TableRef,
} from './plan-props';
import { describePlan, validatePlanProps } from './plan-validation';
import { DmsRawFormat } from '../dms/dms-raw-format';

export * from './plan-props';

/** Whether settings keep identical rows as separate copies: `keepDuplicates` in merge mode with hard deletes. */
export function countsCopies(settings: Pick<CurationSettings, 'keepDuplicates' | 'mode' | 'deletes'>): boolean {
  return settings.keepDuplicates && settings.mode === 'merge' && settings.deletes === 'hard';
}
export { curationSettings } from './plan-validation';


/**
 * A validated, immutable description of how one raw DMS table becomes one curated table:
 * keys (or append-only), ordering, delete handling, partition spec, columns, table properties.
 * The constructor throws {@link CurationPlanError} for anything that cannot work.
 */
export class CurationPlan implements CurationSettings {
  /** The raw table. */
  readonly source: { readonly schema: string; readonly table: string; readonly rawTable?: TableRef };
  /** The curated table. */
  readonly curated: CuratedTable;
  /** Data columns, in order. */
  readonly columns: readonly ColumnDefinition[];
  /** Primary-key columns (empty in append-only mode). */
  readonly primaryKey: readonly string[];
  /** Whether key columns may hold NULL (matched null-safely). */
  readonly nullableKey: boolean;
  /** Whether identical rows are kept as separate copies (a table without key); see {@link CurationPlanProps.keepDuplicates}. */
  readonly keepDuplicates: boolean;
  /** Merge or append-only. */
  readonly mode: CurationMode;
  /** Hard or soft deletes. */
  readonly deletes: DeleteHandling;
  /** Iceberg partition spec. */
  readonly partitionBy: readonly PartitionField[];
  /** Names of the DMS bookkeeping columns. */
  readonly format: DmsRawFormat;
  /** Extra table properties per engine. */
  readonly tableProperties: TableProperties;
  /** Snapshot retention. */
  readonly maintenance: Required<MaintenanceSettings>;

  constructor(props: CurationPlanProps) {
    const { settings, columns } = validatePlanProps(props, true);
    this.format = settings.format;
    this.columns = columns!;
    this.mode = settings.mode;
    this.deletes = settings.deletes;
    this.primaryKey = settings.primaryKey;
    this.nullableKey = settings.nullableKey;
    this.keepDuplicates = settings.keepDuplicates;
    this.partitionBy = settings.partitionBy;
    this.tableProperties = settings.tableProperties;
    this.maintenance = settings.maintenance;
    this.source = settings.source;
    this.curated = settings.curated;
    Object.freeze(this);
  }

  /** The ordering used to pick the latest change per key: change sequence, commit timestamp, file order. */
  get ordering(): ChangeOrdering {
    return { changeSequenceColumn: this.format.changeSequenceColumn, commitTimestampColumn: this.format.commitTimestampColumn, thenFileOrder: true };
  }

  /**
   * Whether the curated table keeps identical rows as separate copies: {@link keepDuplicates} in merge mode with hard
   * deletes. {@link CurationSql.applyStatements} then counts copies instead of merging by key.
   */
  get countsCopies(): boolean {
    return countsCopies(this);
  }

  /** Data columns that are not part of the primary key. */
  get nonKeyColumns(): readonly ColumnDefinition[] {
    return this.columns.filter((c) => !this.primaryKey.includes(c.name));
  }

  /**
   * All columns of the curated table: data columns, then the commit timestamp and change
   * sequence of the change that wrote the row (used to refuse older re-delivered changes),
   * then `_is_deleted` / `_deleted_at` in soft-delete mode.
   */
  get curatedColumns(): readonly ColumnDefinition[] {
    const columns: ColumnDefinition[] = [...this.columns, { name: this.format.commitTimestampColumn, type: 'string' }];
    if (this.format.changeSequenceColumn !== null) {
      columns.push({ name: this.format.changeSequenceColumn, type: 'string' });
    }
    if (this.deletes === 'soft') {
      columns.push({ name: SOFT_DELETE_COLUMNS.deleted, type: 'boolean' }, { name: SOFT_DELETE_COLUMNS.deletedAt, type: 'timestamp' });
    }
    return columns;
  }

  /** `<schema>.<table> → <database>.<table>`, for messages. */
  get description(): string {
    return describePlan(this);
  }

  /** A copy of this plan with other data columns (schema evolution); validated like any plan. */
  withColumns(columns: readonly ColumnDefinition[]): CurationPlan {
    return new CurationPlan({ ...this.toJSON(), columns });
  }

  /** The plan as plain props (JSON-serializable; `new CurationPlan(plan.toJSON())` gives an equal plan). */
  toJSON(): CurationPlanProps {
    const rawTable = this.source.rawTable ? { rawTable: this.source.rawTable } : {};
    return {
      source: { schema: this.source.schema, table: this.source.table, format: this.format, ...rawTable },
      curated: this.curated,
      columns: this.columns,
      primaryKey: this.primaryKey,
      ...(this.nullableKey ? { nullableKey: true } : {}),
      ...(this.keepDuplicates ? { keepDuplicates: true } : {}),
      mode: this.mode,
      deletes: this.deletes,
      partitionBy: this.partitionBy,
      tableProperties: this.tableProperties,
      maintenance: this.maintenance,
    };
  }
}

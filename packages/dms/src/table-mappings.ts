import { CHANGE_SEQUENCE_COLUMN, CHANGE_SEQUENCE_EXPRESSION, CHANGE_SEQUENCE_LENGTH } from './constants';
import { SourceTable, TableSelector } from './source-table';

/** Options of {@link TableMappings}. */
export interface TableMappingsProps {
  /**
   * Name of the column added to every selected table with the DMS change sequence
   * (`$AR_H_CHANGE_SEQ`), the tie-breaker that orders changes of one key within one commit.
   *
   * @default CHANGE_SEQUENCE_COLUMN (`_dms_change_seq`)
   */
  readonly changeSequenceColumn?: string;
}

/** The DMS table-mapping document: `{ "rules": [...] }`, as `AWS::DMS::ReplicationConfig` takes it. */
export interface TableMappingsDocument {
  /** Selection rules first (rule ids 1..n), then transformation rules. */
  readonly rules: TableMappingRule[];
}

/** One DMS table-mapping rule, with DMS's own (hyphenated) keys. */
export type TableMappingRule = { readonly [key: string]: unknown };

type RuleAction = 'include' | 'exclude';

interface Selection extends TableSelector {
  readonly action: RuleAction;
}

const NAME_PATTERN = /^[A-Za-z0-9_$%]+$/;
const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * Builds the DMS table mappings of one replication: selection rules that include and exclude
 * schemas and tables, plus the `add-column` transformation that gives every selected table the
 * change-sequence column.
 *
 * @example
 * const mappings = new TableMappings()
 *   .include('public', 'orders')
 *   .include('sales', '%')
 *   .exclude('sales', 'tmp_%');
 * mappings.render(); // { rules: [ ...3 selection rules, 1 add-column rule ] }
 */
export class TableMappings {
  /**
   * Mappings that include every table of `tables` and exclude every table of `exclude`.
   *
   * @param tables the tables (or patterns) to replicate
   * @param exclude tables (or patterns) to leave out although `tables` matches them
   * @param props options
   */
  public static fromTables(tables: SourceTable[], exclude: TableSelector[] = [], props: TableMappingsProps = {}): TableMappings {
    const mappings = new TableMappings(props);
    for (const t of tables) {
      mappings.include(t.schema, t.table);
    }
    for (const t of exclude) {
      mappings.exclude(t.schema, t.table);
    }
    return mappings;
  }

  /** Name of the change-sequence column this mapping adds. */
  public readonly changeSequenceColumn: string;

  private readonly selections: Selection[] = [];

  constructor(props: TableMappingsProps = {}) {
    this.changeSequenceColumn = props.changeSequenceColumn ?? CHANGE_SEQUENCE_COLUMN;
    if (!COLUMN_PATTERN.test(this.changeSequenceColumn)) {
      throw new Error(
        `TableMappings: changeSequenceColumn "${this.changeSequenceColumn}" is invalid; use letters, digits, _ and $, starting with a letter or _`,
      );
    }
  }

  /**
   * Replicate the tables matching `schema`.`table` (`%` is a wildcard).
   *
   * @returns this, for chaining
   */
  public include(schema: string, table: string): this {
    return this.add('include', schema, table);
  }

  /**
   * Leave out the tables matching `schema`.`table` (`%` is a wildcard), even where an include matches.
   *
   * @returns this, for chaining
   */
  public exclude(schema: string, table: string): this {
    return this.add('exclude', schema, table);
  }

  /** The include selections, in the order they were added. */
  public get included(): TableSelector[] {
    return this.selections.filter(s => s.action === 'include').map(({ schema, table }) => ({ schema, table }));
  }

  /** The exclude selections, in the order they were added. */
  public get excluded(): TableSelector[] {
    return this.selections.filter(s => s.action === 'exclude').map(({ schema, table }) => ({ schema, table }));
  }

  /**
   * The table-mapping document: one selection rule per include / exclude (ids 1..n in the order
   * added) and one `add-column` rule (id n+1) adding the change-sequence column to every table.
   *
   * @throws if nothing is included
   */
  public render(): TableMappingsDocument {
    if (!this.selections.some(s => s.action === 'include')) {
      throw new Error('TableMappings: no include rule; a DMS replication needs at least one included table (e.g. include(\'public\', \'%\'))');
    }
    const rules: TableMappingRule[] = this.selections.map((s, i) => {
      const id = String(i + 1);
      return {
        'rule-type': 'selection',
        'rule-id': id,
        'rule-name': id,
        'object-locator': { 'schema-name': s.schema, 'table-name': s.table },
        'rule-action': s.action,
      };
    });
    // One rule over every table rather than one per include: overlapping includes (public.% and
    // public.orders) would otherwise add the column twice to the same table.
    const id = String(rules.length + 1);
    rules.push({
      'rule-type': 'transformation',
      'rule-id': id,
      'rule-name': id,
      'rule-target': 'column',
      'object-locator': { 'schema-name': '%', 'table-name': '%' },
      'rule-action': 'add-column',
      'value': this.changeSequenceColumn,
      'expression': CHANGE_SEQUENCE_EXPRESSION,
      'data-type': { type: 'string', length: CHANGE_SEQUENCE_LENGTH },
    });
    return { rules };
  }

  /** The table-mapping document as a JSON string (what `AWS::DMS::ReplicationTask` takes). */
  public toJson(): string {
    return JSON.stringify(this.render());
  }

  private add(action: RuleAction, schema: string, table: string): this {
    validateName('schema', schema);
    validateName('table', table);
    const same = this.selections.find(s => s.schema === schema && s.table === table);
    if (same?.action === action) {
      throw new Error(`TableMappings: duplicate ${action} rule for ${schema}.${table}`);
    }
    if (same) {
      throw new Error(`TableMappings: ${schema}.${table} is both included and excluded; keep one of the two rules`);
    }
    this.selections.push({ action, schema, table });
    return this;
  }
}

function validateName(kind: 'schema' | 'table', name: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new Error(`TableMappings: ${kind} name "${name}" is invalid; use letters, digits, _, $ and the % wildcard`);
  }
}

// Synthetic source entries for the scale bench: the shape `sources.add({...})` takes in .projenrc.ts (projenrc/source-entry.ts),
// deterministic, with realistic names. Plain data: the bench hands it to projen as JSON.

/** One table of a synthetic entry (a subset of projenrc's SourceTableEntry). */
export interface SyntheticTable {
  readonly schema: string;
  readonly table: string;
  readonly primaryKey?: string[];
  readonly partitionBy?: { readonly column: string; readonly transform: string | { readonly bucket: number } }[];
  readonly mode?: 'merge' | 'append-only';
  readonly maintenance?: 'optimizer' | 'sql' | 'off';
  readonly pii?: string[];
}

/** One synthetic source entry (a subset of projenrc's SourceEntry). */
export interface SyntheticSource {
  readonly name: string;
  readonly engine: 'postgres' | 'mysql' | 'mariadb';
  readonly secret: string;
  readonly database: string;
  readonly tables: SyntheticTable[];
  readonly curation: {
    readonly engine: 'glue' | 'athena';
    readonly schedule: string;
    readonly onNewFiles?: { readonly debounceSeconds: number };
    readonly maxParallelTables?: number;
  };
}

const SOURCE_NAMES = [
  'orders', 'billing', 'inventory', 'shipping', 'crm', 'payments', 'catalog', 'returns', 'loyalty', 'support',
  'payroll', 'procurement', 'pricing', 'subscriptions', 'reviews', 'fraud', 'ledger', 'marketing', 'fleet', 'warehouse-ops',
];
const ENGINES = ['postgres', 'mysql', 'mariadb'] as const;

/** Table name, its key column, and its columns holding personal data. */
const TABLES: [string, string, string[]][] = [
  ['customers', 'customer_id', ['email', 'phone']], ['accounts', 'account_id', []], ['addresses', 'address_id', ['street', 'postcode']],
  ['contacts', 'contact_id', ['full_name', 'email']], ['orders', 'order_id', []], ['order_lines', 'order_line_id', []],
  ['invoices', 'invoice_id', []], ['invoice_lines', 'invoice_line_id', []], ['payments', 'payment_id', ['card_holder']],
  ['refunds', 'refund_id', []], ['products', 'product_id', []], ['product_variants', 'variant_id', []], ['categories', 'category_id', []],
  ['suppliers', 'supplier_id', ['contact_email']], ['purchase_orders', 'purchase_order_id', []], ['stock_levels', 'stock_level_id', []],
  ['stock_movements', 'movement_id', []], ['warehouses', 'warehouse_id', []], ['shipments', 'shipment_id', ['recipient_name']],
  ['shipment_events', 'shipment_event_id', []], ['carriers', 'carrier_id', []], ['returns', 'return_id', []], ['coupons', 'coupon_id', []],
  ['promotions', 'promotion_id', []], ['price_lists', 'price_list_id', []], ['prices', 'price_id', []], ['tax_rates', 'tax_rate_id', []],
  ['currencies', 'currency_code', []], ['exchange_rates', 'exchange_rate_id', []], ['employees', 'employee_id', ['full_name', 'iban']],
  ['departments', 'department_id', []], ['timesheets', 'timesheet_id', []], ['tickets', 'ticket_id', ['reporter_email']],
  ['ticket_comments', 'comment_id', []], ['subscriptions', 'subscription_id', []], ['plans', 'plan_id', []], ['usage_records', 'usage_id', []],
  ['reviews', 'review_id', ['author_name']], ['wishlists', 'wishlist_id', []], ['carts', 'cart_id', []], ['cart_items', 'cart_item_id', []],
  ['sessions', 'session_id', ['ip_address']], ['devices', 'device_id', []], ['notifications', 'notification_id', []],
  ['gift_cards', 'gift_card_id', []], ['loyalty_points', 'points_id', []], ['ledger_entries', 'entry_id', []],
  ['journal_batches', 'batch_id', []], ['audit_events', 'audit_event_id', []], ['change_log', 'change_id', []],
];

/**
 * `count` sources of `tablesPerSource` tables each (at most 20 × 50): engines postgres, mysql, mariadb in turn; even
 * sources curated by Glue (some on new files), odd ones by Athena; every third table partitioned by day, every fifth
 * bucketed by key, the rest unpartitioned; PII columns where the table has personal data; some tables maintained by SQL;
 * Glue sources append their last table only (the Athena engine cannot).
 */
export function syntheticSources(count: number, tablesPerSource: number): SyntheticSource[] {
  if (count > SOURCE_NAMES.length || tablesPerSource > TABLES.length) {
    throw new Error(`at most ${SOURCE_NAMES.length} sources of ${TABLES.length} tables`);
  }
  return SOURCE_NAMES.slice(0, count).map((name, i) => {
    const engine = ENGINES[i % ENGINES.length];
    const glue = i % 2 === 0;
    const database = name.replace(/-/g, '_');
    const schema = engine === 'postgres' ? 'public' : database;
    const tables = TABLES.slice(0, tablesPerSource).map(([table, key, pii], t): SyntheticTable => {
      const appendOnly = glue && t === tablesPerSource - 1 && tablesPerSource > 1;
      const partitionBy = t % 3 === 1 ? [{ column: 'created_at', transform: 'day' }]
        : t % 5 === 2 && !appendOnly ? [{ column: key, transform: { bucket: 16 } }] : undefined;
      return {
        schema,
        table,
        ...(appendOnly ? { mode: 'append-only' as const } : { primaryKey: [key] }),
        ...(partitionBy ? { partitionBy } : {}),
        ...(t % 4 === 3 ? { maintenance: 'sql' as const } : {}),
        ...(pii.length > 0 ? { pii } : {}),
      };
    });
    return {
      name,
      engine,
      secret: `lakehouse/sources/${name}`,
      database,
      tables,
      curation: glue
        ? { engine: 'glue', schedule: 'rate(1 hour)', ...(i % 4 === 0 ? { onNewFiles: { debounceSeconds: 120 } } : {}) }
        : { engine: 'athena', schedule: 'rate(15 minutes)', maxParallelTables: 4 },
    };
  });
}

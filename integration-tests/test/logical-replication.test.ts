import { Client } from 'pg';
import { PostgresFixture } from '../src';

/**
 * What a CDC reader such as AWS DMS sees through logical decoding, checked
 * with the test_decoding output plugin: one text line per change,
 * `table <schema>.<table>: <OPERATION>: <column>[<type>]:<value> ...`,
 * framed by BEGIN/COMMIT.
 *
 * The tests run in order and share one slot; each one consumes exactly the
 * changes it made.
 */
const SLOT = 'cdc_it_test_decoding';

describe('logical decoding with test_decoding', () => {
  let pg: PostgresFixture;
  let client: Client;

  /** Consumes the slot's pending changes (xids left out so the text is stable). */
  async function takeChanges(): Promise<string[]> {
    const result = await client.query<{ data: string }>(
      "SELECT data FROM pg_logical_slot_get_changes($1, NULL, NULL, 'include-xids', '0', 'skip-empty-xacts', '1')",
      [SLOT],
    );
    return result.rows.map((row) => row.data);
  }

  async function replicaIdentity(table: string): Promise<string> {
    const result = await client.query<{ relreplident: string }>('SELECT relreplident FROM pg_class WHERE oid = $1::regclass', [table]);
    return result.rows[0].relreplident;
  }

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    client = await pg.client();
    await client.query(`
      CREATE TABLE orders (
        id integer PRIMARY KEY,
        customer text NOT NULL,
        quantity integer,
        price numeric(10, 2)
      );
      CREATE TABLE audit_log (
        code text,
        amount integer,
        note text
      );
    `);
    const created = await client.query<{ slot_name: string }>(
      "SELECT slot_name FROM pg_create_logical_replication_slot($1, 'test_decoding')",
      [SLOT],
    );
    expect(created.rows).toEqual([{ slot_name: SLOT }]);
  });

  afterAll(async () => {
    if (client !== undefined) {
      // Only matters when a test failed before the slot was dropped.
      await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [SLOT]);
      await client.end();
    }
    await pg?.stop();
  });

  test('the slot is a logical slot of the test_decoding plugin in this database', async () => {
    const result = await client.query(
      'SELECT slot_type, plugin, database, active FROM pg_replication_slots WHERE slot_name = $1',
      [SLOT],
    );
    expect(result.rows).toEqual([{ slot_type: 'logical', plugin: 'test_decoding', database: 'postgres', active: false }]);
    expect(await takeChanges()).toEqual([]);
  });

  test('INSERTs into both tables are decoded in one transaction with every column, type and value', async () => {
    await client.query('BEGIN');
    await client.query("INSERT INTO orders VALUES (1, 'alice', 10, 9.99), (2, 'O''Brien', NULL, 0.50)");
    await client.query("INSERT INTO audit_log VALUES ('a', 1, 'first'), ('b', 2, NULL)");
    await client.query('COMMIT');

    const expected = [
      'BEGIN',
      "table public.orders: INSERT: id[integer]:1 customer[text]:'alice' quantity[integer]:10 price[numeric]:9.99",
      "table public.orders: INSERT: id[integer]:2 customer[text]:'O''Brien' quantity[integer]:null price[numeric]:0.50",
      "table public.audit_log: INSERT: code[text]:'a' amount[integer]:1 note[text]:'first'",
      "table public.audit_log: INSERT: code[text]:'b' amount[integer]:2 note[text]:null",
      'COMMIT',
    ];
    const peeked = await client.query<{ data: string }>(
      "SELECT data FROM pg_logical_slot_peek_changes($1, NULL, NULL, 'include-xids', '0', 'skip-empty-xacts', '1')",
      [SLOT],
    );
    expect(peeked.rows.map((row) => row.data)).toEqual(expected);
    // peek leaves the changes in the slot; get consumes them.
    expect(await takeChanges()).toEqual(expected);
    expect(await takeChanges()).toEqual([]);
  });

  test('UPDATE and DELETE on the table with a primary key carry the key, and old-key only when the key changes', async () => {
    await client.query("UPDATE orders SET customer = 'alice b', quantity = 11 WHERE id = 1");
    await client.query('UPDATE orders SET id = 3 WHERE id = 2');
    await client.query('DELETE FROM orders WHERE id = 1');

    expect(await takeChanges()).toEqual([
      'BEGIN',
      "table public.orders: UPDATE: id[integer]:1 customer[text]:'alice b' quantity[integer]:11 price[numeric]:9.99",
      'COMMIT',
      'BEGIN',
      "table public.orders: UPDATE: old-key: id[integer]:2 new-tuple: id[integer]:3 customer[text]:'O''Brien' quantity[integer]:null price[numeric]:0.50",
      'COMMIT',
      'BEGIN',
      // Only the primary key (the replica identity) of the deleted row.
      'table public.orders: DELETE: id[integer]:1',
      'COMMIT',
    ]);
  });

  test('without a primary key and with the default replica identity, UPDATE and DELETE carry no old row', async () => {
    expect(await replicaIdentity('audit_log')).toBe('d');

    await client.query("UPDATE audit_log SET amount = 5 WHERE code = 'a'");
    await client.query("DELETE FROM audit_log WHERE code = 'b'");

    expect(await takeChanges()).toEqual([
      'BEGIN',
      // The new row only: nothing identifies which row was changed.
      "table public.audit_log: UPDATE: code[text]:'a' amount[integer]:5 note[text]:'first'",
      'COMMIT',
      'BEGIN',
      // Not even a key: only that some row was deleted.
      'table public.audit_log: DELETE: (no-tuple-data)',
      'COMMIT',
    ]);
  });

  test('once such a table is in a publication, PostgreSQL refuses its UPDATE and DELETE', async () => {
    await client.query('CREATE PUBLICATION audit_pub FOR TABLE audit_log');
    try {
      await expect(client.query('UPDATE audit_log SET amount = 6')).rejects.toThrow(
        'cannot update table "audit_log" because it does not have a replica identity and publishes updates',
      );
      await expect(client.query('DELETE FROM audit_log')).rejects.toThrow(
        'cannot delete from table "audit_log" because it does not have a replica identity and publishes deletes',
      );
    } finally {
      await client.query('DROP PUBLICATION audit_pub');
    }
    // The refused statements changed nothing, and the slot saw nothing.
    const rows = await client.query('SELECT code, amount, note FROM audit_log');
    expect(rows.rows).toEqual([{ code: 'a', amount: 5, note: 'first' }]);
    expect(await takeChanges()).toEqual([]);
  });

  test('with REPLICA IDENTITY FULL, UPDATE carries old-key with all columns and DELETE the whole old row', async () => {
    await client.query('ALTER TABLE audit_log REPLICA IDENTITY FULL');
    expect(await replicaIdentity('audit_log')).toBe('f');

    await client.query("UPDATE audit_log SET amount = 6, note = 'second' WHERE code = 'a'");
    await client.query("DELETE FROM audit_log WHERE code = 'a'");

    expect(await takeChanges()).toEqual([
      'BEGIN',
      "table public.audit_log: UPDATE: old-key: code[text]:'a' amount[integer]:5 note[text]:'first' new-tuple: code[text]:'a' amount[integer]:6 note[text]:'second'",
      'COMMIT',
      'BEGIN',
      // test_decoding prints a DELETE's old row without the "old-key:" label.
      "table public.audit_log: DELETE: code[text]:'a' amount[integer]:6 note[text]:'second'",
      'COMMIT',
    ]);
  });

  test('the slot can be dropped, after which it cannot be read', async () => {
    await client.query('SELECT pg_drop_replication_slot($1)', [SLOT]);
    const remaining = await client.query('SELECT slot_name FROM pg_replication_slots');
    expect(remaining.rows).toEqual([]);
    await expect(takeChanges()).rejects.toThrow(`replication slot "${SLOT}" does not exist`);
  });
});

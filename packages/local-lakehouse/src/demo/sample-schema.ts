import { Client } from 'pg';

/**
 * The demo's sample schema `shop`: the types DMS maps specially (numeric with and without
 * precision, timestamptz, jsonb, uuid, bytea, arrays, interval), a product description large
 * enough to be TOASTed (stored out of line, uncompressed), and an event log without primary key
 * set to REPLICA IDENTITY FULL.
 */
export const SAMPLE_SCHEMA_SQL = `
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
  id bigint PRIMARY KEY,
  email text NOT NULL,
  name text,
  signed_up timestamptz NOT NULL,
  vip boolean NOT NULL DEFAULT false,
  profile jsonb,
  external_id uuid NOT NULL
);
CREATE TABLE shop.products (
  id integer PRIMARY KEY,
  name text NOT NULL,
  price numeric(10,2) NOT NULL,
  weight_kg numeric,
  tags text[],
  thumbnail bytea,
  description text
);
ALTER TABLE shop.products ALTER COLUMN description SET STORAGE EXTERNAL;
CREATE TABLE shop.orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL,
  product_id integer NOT NULL,
  quantity smallint NOT NULL,
  total numeric(12,2) NOT NULL,
  status text NOT NULL,
  ordered_at timestamptz NOT NULL,
  delivery_window interval
);
CREATE TABLE shop.order_events (
  order_id bigint NOT NULL,
  event text NOT NULL,
  at timestamptz NOT NULL
);
ALTER TABLE shop.order_events REPLICA IDENTITY FULL;
`;

/** Fills the sample schema; `rows` is the number of orders (customers: a tenth, products: 200). */
export async function loadSampleData(client: Client, rows: number): Promise<void> {
  const { customers } = demoShape(rows);
  await client.query(`
INSERT INTO shop.customers
SELECT i, 'customer' || i || '@example.com', 'Customer ' || i,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '37 minutes 13.123456 seconds',
       i % 7 = 0,
       jsonb_build_object('tier', CASE WHEN i % 7 = 0 THEN 'gold' ELSE 'standard' END, 'tags', jsonb_build_array('a', i % 5), 'note', 'quote " and \\ backslash'),
       md5('customer' || i)::uuid
  FROM generate_series(1, ${customers}) AS i`);
  await client.query(`
INSERT INTO shop.products
SELECT i, 'Product ' || i, round((i * 3.17)::numeric % 500 + 0.99, 2), CASE WHEN i % 10 = 0 THEN NULL ELSE i / 7.0 END,
       ARRAY['tag' || (i % 3), 'with space', 'quote"'],
       decode(md5('img' || i) || '00ff', 'hex'),
       (SELECT string_agg(md5(i::text || '-' || j::text), ' ') FROM generate_series(1, 160) AS j)
  FROM generate_series(1, 200) AS i`);
  await client.query(`
INSERT INTO shop.orders (customer_id, product_id, quantity, total, status, ordered_at, delivery_window)
SELECT 1 + i % ${customers}, 1 + i % 200, 1 + i % 5, round((i % 997) * 1.37, 2), 'placed',
       timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute 0.000123 seconds',
       CASE WHEN i % 4 = 0 THEN NULL ELSE make_interval(days => i % 3, hours => i % 24) END
  FROM generate_series(1, ${rows}) AS i`);
  await client.query(`
INSERT INTO shop.order_events
SELECT o.id, 'placed', o.ordered_at FROM shop.orders o`);
}

/** What the demo workload did. */
export interface WorkloadSummary {
  readonly transactions: number;
  readonly statements: number;
}

/** The demo's size for `rows` orders, shared by both sources' seeds and workloads: customers, workload rounds (one transaction each), rows per round. */
export function demoShape(rows: number): { readonly customers: number; readonly rounds: number; readonly batch: number } {
  return { customers: Math.max(10, Math.floor(rows / 10)), rounds: 40, batch: Math.max(1, Math.floor(rows / 100)) };
}

/**
 * A short OLTP-like workload: new orders, status changes, deletes, price changes that leave the
 * TOASTed description untouched, a few description rewrites, event-log updates and deletes on the
 * table without primary key, and one primary-key change.
 */
export async function runSampleWorkload(client: Client, rows: number): Promise<WorkloadSummary> {
  const { customers, rounds, batch } = demoShape(rows);
  let transactions = 0;
  let statements = 0;
  const run = async (sql: string[]): Promise<void> => {
    await client.query('BEGIN');
    for (const statement of sql) await client.query(statement);
    await client.query('COMMIT');
    transactions++;
    statements += sql.length;
  };
  for (let round = 0; round < rounds; round++) {
    const base = round * batch;
    await run([
      `INSERT INTO shop.orders (customer_id, product_id, quantity, total, status, ordered_at)
       SELECT 1 + (i * 7) % ${customers}, 1 + i % 200, 1, 19.99, 'placed', now() FROM generate_series(1, ${batch}) AS i`,
      `UPDATE shop.orders SET status = 'shipped', total = total + 0.01 WHERE id > ${base} AND id <= ${base + batch}`,
      `INSERT INTO shop.order_events SELECT id, 'shipped', now() FROM shop.orders WHERE id > ${base} AND id <= ${base + batch}`,
    ]);
    await run([
      `UPDATE shop.products SET price = price + 1 WHERE id % ${rounds} = ${round}`,
      `UPDATE shop.customers SET vip = NOT vip, profile = profile || '{"round": ${round}}' WHERE id % ${rounds} = ${round}`,
    ]);
    if (round % 5 === 0) {
      await run([
        `DELETE FROM shop.orders WHERE id % 97 = ${round}`,
        `DELETE FROM shop.order_events WHERE order_id % 97 = ${round} AND event = 'placed'`,
        `UPDATE shop.order_events SET at = at + interval '1 second' WHERE order_id % 89 = ${round}`,
        `UPDATE shop.products SET description = description || ' revised in round ${round}' WHERE id = ${1 + round}`,
      ]);
    }
  }
  await run([`UPDATE shop.customers SET id = id + 1000000 WHERE id = ${customers}`]);
  return { transactions, statements };
}

/** The analyst query the demo runs on the curated tables. */
export const SAMPLE_ANALYST_QUERY = `SELECT o.status,
       count(*) AS orders,
       sum(o.total) AS revenue,
       count(DISTINCT o.customer_id) FILTER (WHERE c.vip) AS vip_customers
  FROM shop.orders o
  LEFT JOIN shop.customers c ON c.id = o.customer_id
 GROUP BY o.status
 ORDER BY revenue DESC`;

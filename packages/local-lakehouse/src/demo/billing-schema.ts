import type { Connection } from 'mysql2/promise';
import { type WorkloadSummary, demoShape } from './sample-schema';

/*
 * The demo's second source: a billing service on MariaDB whose invoices and payments refer to the orders and customers of
 * the PostgreSQL sample schema `shop` by id, as two services of one shop would. Orders 1…rows are seeded in both; the
 * workload invoices the orders the PostgreSQL workload creates (their ids follow from its bigserial), marks shipped orders
 * paid, and voids and deletes invoices of orders the PostgreSQL workload deletes.
 */

/** The database `billing`: MySQL types the capture maps specially (enum, json, unsigned, bit(1), datetime(6), date, decimal). */
export const BILLING_SCHEMA_SQL = [
  'CREATE DATABASE billing',
  // the sequence engine's seq_1_to_N tables the seed and workload select from need a current database
  'USE billing',
  `CREATE TABLE billing.invoices (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  currency CHAR(3) NOT NULL DEFAULT 'EUR',
  status ENUM('open', 'paid', 'void') NOT NULL DEFAULT 'open',
  issued_at DATETIME(6) NOT NULL,
  due_on DATE NOT NULL,
  reminders TINYINT UNSIGNED NOT NULL DEFAULT 0,
  notes JSON NULL,
  KEY invoices_order (order_id)
) ENGINE=InnoDB`,
  `CREATE TABLE billing.payments (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_id BIGINT NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  method VARCHAR(20) NOT NULL,
  paid_at DATETIME(6) NOT NULL,
  refunded BIT(1) NOT NULL DEFAULT b'0',
  KEY payments_invoice (invoice_id)
) ENGINE=InnoDB`,
];

/**
 * Fills `billing` for the first `rows` orders of `shop`: an invoice for nine orders in ten (the amount is the order's
 * total, as the PostgreSQL seed computes it), a payment for a third of them.
 */
export async function loadBillingData(db: Connection, rows: number): Promise<void> {
  for (const sql of BILLING_SCHEMA_SQL) await db.query(sql);
  const { customers } = demoShape(rows);
  await db.query(`
INSERT INTO billing.invoices (order_id, customer_id, amount, status, issued_at, due_on, notes)
SELECT seq, 1 + seq % ${customers}, ROUND((seq % 997) * 1.37, 2), IF(seq % 3 = 0, 'paid', 'open'),
       TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq MINUTE + INTERVAL 30 SECOND,
       DATE'2025-02-01' + INTERVAL (seq DIV 1440) DAY,
       IF(seq % 50 = 0, JSON_OBJECT('po', CONCAT('PO-', seq), 'split', seq % 7 = 0), NULL)
  FROM seq_1_to_${rows} WHERE seq % 10 <> 0`);
  await db.query(`
INSERT INTO billing.payments (invoice_id, amount, method, paid_at)
SELECT id, amount, ELT(1 + id % 3, 'card', 'transfer', 'paypal'), issued_at + INTERVAL 2 DAY
  FROM billing.invoices WHERE status = 'paid'`);
}

/**
 * The billing side of the demo workload, in `rounds` transactions run beside the PostgreSQL workload (see
 * runSampleWorkload, whose rounds and batch size it shares through demoShape): invoices for the orders created in a round, shipped orders
 * paid, reminders on open invoices, and every fifth round invoices of deleted orders voided and a few deleted.
 */
export async function runBillingWorkload(db: Connection, rows: number): Promise<WorkloadSummary> {
  const { customers, rounds, batch } = demoShape(rows);
  let transactions = 0;
  let statements = 0;
  const run = async (sql: string[]): Promise<void> => {
    await db.beginTransaction();
    for (const statement of sql) await db.query(statement);
    await db.commit();
    transactions++;
    statements += sql.length;
  };
  for (let round = 0; round < rounds; round++) {
    const base = round * batch;
    const firstNew = rows + base + 1;
    await run([
      `INSERT INTO billing.invoices (order_id, customer_id, amount, issued_at, due_on)
       SELECT seq, 1 + ((seq - ${rows}) * 7) % ${customers}, 19.99, UTC_TIMESTAMP(6), UTC_DATE() + INTERVAL 30 DAY
         FROM seq_${firstNew}_to_${firstNew + batch - 1}`,
      `UPDATE billing.invoices SET status = 'paid' WHERE order_id > ${base} AND order_id <= ${base + batch} AND status = 'open'`,
      `INSERT INTO billing.payments (invoice_id, amount, method, paid_at)
       SELECT i.id, i.amount, 'card', UTC_TIMESTAMP(6) FROM billing.invoices i
        WHERE i.order_id > ${base} AND i.order_id <= ${base + batch}
          AND NOT EXISTS (SELECT 1 FROM billing.payments p WHERE p.invoice_id = i.id)`,
    ]);
    await run([`UPDATE billing.invoices SET reminders = reminders + 1 WHERE status = 'open' AND order_id % ${rounds} = ${round}`]);
    if (round % 5 === 0) {
      await run([
        `UPDATE billing.invoices SET status = 'void', notes = JSON_OBJECT('voided', 'order deleted', 'round', ${round})
          WHERE order_id % 97 = ${round}`,
        `UPDATE billing.payments SET refunded = b'1' WHERE invoice_id IN (SELECT id FROM billing.invoices WHERE order_id % 97 = ${round})`,
        `DELETE FROM billing.invoices WHERE order_id % 97 = ${round} AND order_id % 2 = 0`,
      ]);
    }
  }
  return { transactions, statements };
}

/** The analyst query the demo runs on the lake: PostgreSQL-sourced orders joined with MariaDB-sourced invoices and payments. */
export const CROSS_SOURCE_ANALYST_QUERY = `SELECT o.status AS order_status,
       coalesce(i.status, 'not invoiced') AS invoice_status,
       count(*) AS orders,
       sum(o.total) AS order_total,
       sum(i.amount) AS invoiced,
       sum(p.paid) AS paid
  FROM shop.orders o
  LEFT JOIN billing.invoices i ON i.order_id = o.id
  LEFT JOIN (SELECT invoice_id, sum(amount) AS paid FROM billing.payments WHERE NOT refunded GROUP BY invoice_id) p
         ON p.invoice_id = i.id
 GROUP BY ALL
 ORDER BY order_status, invoice_status`;

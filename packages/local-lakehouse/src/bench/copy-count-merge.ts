import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CurationPlan, CurationSql, copyCountMerge, namedColumns } from '@cdc-lakehouse/curation';
import { startTrinoServer } from '../engines/trino/trino-server';
import { openWarehouse } from '../engines/trino/trino-warehouse';

// The copy-counting MERGE of a table that keeps identical rows, on the local Trino (Athena's engine): the generated
// statement (data columns compared as equalities, hash joins) against the same statement comparing them with
// IS NOT DISTINCT FROM (the baseline, which Trino plans as nested loops), each on a fresh copy of the same table.
// `node lib/bench/copy-count-merge.js [rows] [changes]` (defaults 20000 and 2000).

const rows = Number(process.argv[2] ?? 20_000);
const changes = Number(process.argv[3] ?? 2_000);

const plan = new CurationPlan({
  source: { schema: 'public', table: 'events', rawTable: { database: 'bench', table: 'changes' } },
  curated: { database: 'bench', table: 'events' },
  columns: [{ name: 'kind', type: 'string' }, { name: 'qty', type: 'int' }, { name: 'note', type: 'string' }],
  primaryKey: ['kind', 'qty', 'note'],
  nullableKey: true,
  keepDuplicates: true,
});

/** `i` from 1 to n without a sequence() longer than Trino allows (10 000). */
const numbers = (n: number): string =>
  `(SELECT h * 1000 + l AS i FROM UNNEST(sequence(0, ${Math.ceil(n / 1000) - 1})) AS a(h) CROSS JOIN UNNEST(sequence(1, 1000)) AS b(l) WHERE h * 1000 + l <= ${n})`;

async function main(): Promise<void> {
  const server = await startTrinoServer();
  const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-bench-copies-'));
  try {
    const client = await openWarehouse(server.client, warehouse);
    const run = async (sql: string): Promise<readonly (readonly unknown[])[]> => (await client.query(sql)).rows;
    await run('CREATE SCHEMA bench');
    const half = Math.max(1, Math.floor(rows / 2));
    await run(`CREATE TABLE bench.seed AS SELECT 'k' || CAST(i % ${half} AS varchar) AS kind, CAST(i % 7 AS integer) AS qty, `
      + `CASE WHEN i % 5 = 0 THEN NULL ELSE 'n' END AS note, '2024-01-01 00:00:00' AS "_dms_commit_ts", '' AS "_dms_change_seq" FROM ${numbers(rows)}`);
    // each change pair deletes one copy of an existing row and inserts a new row (a keyless UPDATE as capture writes it)
    await run(`CREATE TABLE bench.changes AS SELECT * FROM (
      SELECT 'D' AS "Op", 'k' || CAST(i % ${half} AS varchar) AS kind, CAST(i % 7 AS integer) AS qty, CASE WHEN i % 5 = 0 THEN NULL ELSE 'n' END AS note,
        '2024-01-02 00:00:00' AS "_dms_commit_ts", lpad(CAST(2 * i AS varchar), 35, '0') AS "_dms_change_seq" FROM ${numbers(changes / 2)}
      UNION ALL SELECT 'U', 'u' || CAST(i AS varchar), CAST(i % 7 AS integer), NULL, '2024-01-02 00:00:00', lpad(CAST(2 * i + 1 AS varchar), 35, '0')
        FROM ${numbers(changes / 2)})`);
    const sql = new CurationSql(plan, 'athena');
    const source = { relation: 'bench.changes', fileOrder: [] };
    const generated = sql.merge(source);
    const q = (name: string): string => sql.dialect.quote(name);
    const inserted = plan.curatedColumns.map((c) => q(c.name));
    const baseline = copyCountMerge(plan, {
      dialect: 'athena',
      q,
      target: sql.dialect.curatedTableName(plan.curated),
      changes: source.relation,
      columns: namedColumns(plan.columns, q, 'not-distinct'),
      insert: `INSERT (${inserted.join(', ')}) VALUES (${inserted.map((c) => `s.${c}`).join(', ')})`,
    });
    const summary = 'SELECT count(*), count(*) FILTER (WHERE note IS NULL), count(*) FILTER (WHERE kind LIKE \'u%\') FROM bench.events';
    const timings: Record<string, number> = {};
    const results: Record<string, string> = {};
    for (const [name, merge] of [['IS NOT DISTINCT FROM (baseline)', baseline], ['equalities (generated)', generated]] as const) {
      await run('DROP TABLE IF EXISTS bench.events');
      await run('CREATE TABLE bench.events AS SELECT * FROM bench.seed');
      const started = process.hrtime.bigint();
      await run(merge);
      timings[name] = Number(process.hrtime.bigint() - started) / 1e6;
      results[name] = JSON.stringify(await run(summary));
      process.stdout.write(`${name}: ${(timings[name] / 1000).toFixed(2)} s, rows / NULL notes / new rows after: ${results[name]}\n`);
    }
    const [slow, fast] = Object.values(timings);
    if (new Set(Object.values(results)).size !== 1) throw new Error('the two MERGEs left different tables');
    process.stdout.write(`copy-counting MERGE on Trino, ${rows} rows, ${changes} changes: the generated form takes ${(fast / slow).toFixed(3)}× `
      + `the baseline's time (${(slow / fast).toFixed(1)}× faster)\n`);
  } finally {
    await server.stop();
    fs.rmSync(warehouse, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

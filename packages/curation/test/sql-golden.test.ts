import * as fs from 'node:fs';
import * as path from 'node:path';
import { CurationPlan, CurationSql, DialectName } from '../src';
import { EXAMPLE_PLANS } from './helpers/example-plans';

// Golden files pin down everything the parsers cannot check: Athena's Hive-style DDL with
// partition transforms, Spark's three-part names, OPTIMIZE / VACUUM and Iceberg CALL procedures.
// Regenerate after an intended change with UPDATE_GOLDEN=1 npx jest test/sql-golden.test.ts, then review the diff.
const GOLDEN_DIR = path.join(__dirname, 'golden');
const NOW = new Date('2024-05-01T00:00:00Z');

function everyStatement(plan: CurationPlan, dialect: DialectName): string {
  const sql = new CurationSql(plan, dialect);
  const sections: [string, string][] = [
    ['createDatabase', sql.createDatabase()],
    ['createTable', sql.createTable()],
    ['merge', sql.merge()],
  ];
  if (plan.mode === 'merge') {
    sections.push(['latestChangePerKey', sql.latestChangePerKey()]);
  }
  const widened = plan.columns.find((c) => c.type === 'int');
  sections.push(['addColumn', sql.addColumn({ name: 'added_later', type: 'string' })]);
  if (widened) {
    sections.push(['widenColumn', sql.widenColumn({ name: widened.name, type: 'bigint' })]);
  }
  sql.maintenance(NOW).forEach((statement, i) => sections.push([`maintenance ${i + 1}`, statement]));
  return sections.map(([name, statement]) => `-- ${name}\n${statement};\n`).join('\n');
}

describe.each(Object.entries(EXAMPLE_PLANS))('golden SQL for the %s plan', (planName, plan) => {
  test.each(['athena', 'spark', 'duckdb'] as const)('%s', (dialect) => {
    const file = path.join(GOLDEN_DIR, `${planName}.${dialect}.sql`);
    const actual = everyStatement(plan, dialect);
    if (process.env.UPDATE_GOLDEN === '1') {
      fs.mkdirSync(GOLDEN_DIR, { recursive: true });
      fs.writeFileSync(file, actual);
    }
    expect(fs.existsSync(file)).toBe(true);
    expect(actual).toBe(fs.readFileSync(file, 'utf8'));
  });
});

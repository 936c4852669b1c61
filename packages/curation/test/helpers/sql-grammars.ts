import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ParseError, SparkSQL, TrinoSQL } from 'dt-sql-parser';
import { buildSync } from 'esbuild';

/** The grammars the generated SQL must parse with. */
export interface SqlGrammars {
  /** Trino, the engine behind Athena's DML. */
  readonly trino: TrinoSQL;
  /** Spark SQL. */
  readonly spark: SparkSQL;
}

let cached: SqlGrammars | undefined;

/**
 * Loads dt-sql-parser's Trino and Spark grammars. Plain Node refuses the package's directory
 * imports (ERR_UNSUPPORTED_DIR_IMPORT), so it is bundled once with esbuild into the OS temp
 * folder (keyed by version, written atomically) and the bundle is loaded.
 */
export function sqlGrammars(): SqlGrammars {
  if (cached) return cached;
  const load = createRequire(__filename);
  const entry = load.resolve('dt-sql-parser');
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')).version as string;
  const bundle = path.join(os.tmpdir(), `curation-dt-sql-parser-${version}.cjs`);
  if (!fs.existsSync(bundle)) {
    const temp = `${bundle}.${process.pid}.tmp`;
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: temp, logLevel: 'error' });
    fs.renameSync(temp, bundle);
  }
  const parser = load(bundle) as { TrinoSQL: new () => TrinoSQL; SparkSQL: new () => SparkSQL };
  cached = { trino: new parser.TrinoSQL(), spark: new parser.SparkSQL() };
  return cached;
}

/** Parse errors as one readable line each (empty when the statement parses). */
export function describeErrors(errors: readonly ParseError[]): string[] {
  return errors.map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}

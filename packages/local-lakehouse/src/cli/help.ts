import { SLOT_HELP, SLOT_USAGE_LINES } from './slot-help';
import { CURATION_ENGINES } from '../engines/registry';

/** `lakehouse --help`. */
export const USAGE = `lakehouse: source → CDC → DMS-format raw zone → merge → query, on one machine

Usage:
  lakehouse demo [--rows N]                          run the whole flow on an embedded PostgreSQL and verify it
  lakehouse local capture --source URL --raw DIR     full load + change stream of PostgreSQL or MySQL/MariaDB, as DMS writes them
  lakehouse local curate --raw DIR --lake FILE       merge the raw zone into curated tables (DuckDB file)
  lakehouse local curate --engine spark --raw DIR --warehouse DIR
                                                     … into Iceberg tables with the Glue job's Spark core
  lakehouse local curate --engine trino --raw DIR --warehouse DIR
                                                     … into Iceberg tables with Athena's SQL on a local Trino
  lakehouse local query --lake FILE|--warehouse DIR "SQL"
                                                     query the curated tables
  lakehouse local verify --source URL --lake FILE|--warehouse DIR
                                                     compare every curated table with the source
${SLOT_USAGE_LINES}

Run \`lakehouse <command> --help\` for a command's options.`;

const engineLines = (): string => CURATION_ENGINES
  .map((e) => `  ${e.name.padEnd(8)} ${e.summary}`)
  .join('\n');

/** `lakehouse <command> --help`, by command. */
export const HELP: Record<string, string> = {
  ...SLOT_HELP,
  'demo': `Usage: lakehouse demo [--rows N] [--keep DIR]

Starts an embedded PostgreSQL (local server binaries, wal_level=logical), creates a sample schema
(numeric, timestamptz, jsonb, uuid, bytea, a TOASTed text, a table without primary key with
REPLICA IDENTITY FULL), captures it while a short workload runs, curates, prints the verification
table and a sample analyst query, then stops everything it started.

Options:
  --rows N      size of the sample data and workload (default 20000)
  --keep DIR    keep the raw zone and the lake in DIR (default: a temp dir, removed at the end)
  -h, --help    show this help`,
  'local capture': `Usage: lakehouse local capture --source URL --raw DIR [options]

Writes what AWS DMS writes for a PostgreSQL source: LOAD files from one consistent snapshot, then
CDC files from a logical replication slot (test_decoding). A CDC file is written at whichever comes
first of --interval and --max-file-size; the slot advances only after the files are durable, so a
restart after kill -9 loses nothing. Beside each table's files: _table.json (columns, types, keys).
Ctrl-C stops between full-load chunks or closes the open CDC file. Every end names the replication
slot, which keeps WAL until dropped: \`lakehouse local slots\` lists and drops them.
A mysql:// or mariadb:// source is read from a consistent snapshot at known binlog coordinates, then
from the ROW binary log (no slot: the position is kept in the raw directory, the binlog retention
keeps the changes).

Options:
  --source URL          postgres://user:password@host:5432/database (the user needs REPLICATION), or
                        mysql://… / mariadb://… (REPLICATION CLIENT, REPLICATION SLAVE, SELECT)
  --raw DIR             raw zone directory (created when missing; must be empty or an earlier capture's)
  --tables LIST         comma-separated schema.table selectors, % as wildcard (default: all tables)
  --exclude LIST        leave out these tables (same selectors), applied after --tables selects
  --slot NAME           replication slot name (default: lakehouse_<hash of DIR and database>; PostgreSQL)
  --until-caught-up     exit once the full load and every change committed before the start are written
  --interval DURATION   longest time before a CDC file is written (default 1s; DMS cdcMaxBatchInterval)
  --max-file-size SIZE  staged bytes that close a CDC file early (default 32MB; DMS cdcMinFileSize)
  --compression C       none (DMS default) or gzip
  --chunk-rows N        about N rows per full-load chunk and LOAD file (default 250000)
  --stats FILE          write the run's figures (rows, files, peak memory) as JSON to FILE
  -h, --help            show this help`,
  get 'local curate'(): string {
    return `Usage: lakehouse local curate --raw DIR --lake FILE [--follow] [--plans FILE]
       lakehouse local curate --engine spark|trino --raw DIR --warehouse DIR [--plans FILE]

Applies the raw zone to curated tables with the curation core's plan and generated MERGE (the same
SQL the Glue and Athena jobs run). Plans come from each table's _table.json; --plans overrides them:
a JSON array of CurationPlan props, each naming source.schema and source.table, e.g.
  [{ "source": { "schema": "shop", "table": "orders" }, "partitionBy": [{ "column": "ordered_at", "transform": "day" }] }]

Engines (--engine):
${engineLines()}

Options:
  --engine NAME        ${CURATION_ENGINES.map((e) => e.name).join(' | ')} (default ${CURATION_ENGINES[0].name})
  --raw DIR            raw zone written by \`lakehouse local capture\`
  --lake FILE          DuckDB database file (created when missing), with --engine duckdb
  --warehouse DIR      Iceberg warehouse directory (created when missing), with --engine spark or trino
                       (one engine per warehouse: query and verify tell them apart by the table registry
                       each writes, _lakehouse_tables.json or _lakehouse_trino_tables.json)
  --follow             keep curating new files until SIGINT/SIGTERM (duckdb only); --raw must exist: while it
                       holds no raw zone yet, curate says once that it waits for capture's first files
  --interval DURATION  pause between rounds with --follow (default 500ms)
  --plans FILE         explicit plans that override the metadata (e.g. a partition spec)
  -h, --help           show this help

An existing --lake file must be a DuckDB database (curate refuses e.g. a .csv or .json, which DuckDB would open
as an in-memory view that keeps nothing).`;
  },
  'local query': `Usage: lakehouse local query --lake FILE|--warehouse DIR [--engine NAME] [--format table|csv|json] "SQL"

Runs one SQL statement on the curated tables, named <database>.<table>, e.g.
  lakehouse local query --lake lake.duckdb "SELECT count(*) FROM public.orders"
Several statements (a ; between two) or an empty SQL string are a usage error (exit 2), found before an engine starts.
Rows are written as the engine produces them, so results of any size stream in bounded memory; a
reader that stops early (| head) ends the query quietly.

Options:
  --lake FILE      the DuckDB lake (DuckDB dialect)
  --warehouse DIR  the Iceberg warehouse \`curate --engine spark\` or \`curate --engine trino\` wrote, in
                   that engine's SQL: Spark SQL (tables also as glue_catalog.<database>.<table>; starting
                   Spark takes about 10 s) or Trino SQL (column names in lower case; starting Trino takes
                   15-30 s unless LAKEHOUSE_TRINO_URL names a running server)
  --engine NAME    ${CURATION_ENGINES.map((e) => e.name).join(' | ')}; by default the one whose table registry the
                   --warehouse holds (--lake: duckdb)
  --format F       table (default: widths from the first 1,000 rows, longer text cut with …), csv (RFC 4180
                   quoting, NULL empty) or json (one object per line, exact integers and decimals)
  -h, --help       show this help

Rows are written as the engine produces them, so results of any size stream in bounded memory; a
reader that stops early (| head) ends the query quietly.`,
  'local verify': `Usage: lakehouse local verify --source URL --lake FILE|--warehouse DIR [--engine NAME] [--tables LIST] [--exclude LIST] [--json]

For every curated table: row count and an order-independent checksum over all columns, source
against lake, under the DMS type mapping (NaN and ±infinity as capture converts them). For a table
that differs it names the differing columns and how many rows (\`table t: differs in columns a, b
(2 rows)\`), rows only in the source or only in the lake, rows with another number of copies on each
side (a table without primary key: \`source has 2 copies of a row the lake has 1 of\`), and the first
differing keys. With --warehouse, each Iceberg table is exported to Parquet by the engine that wrote
the warehouse (spark or trino; --engine names it, by default its table registry does) and compared
by the same code as the DuckDB lake.

Options:
  --source URL     the source database, postgres://user:password@host:5432/database (read in one
                   REPEATABLE READ transaction), or mysql://… / mariadb://… (one consistent snapshot;
                   values rendered under the MySQL capture's type mapping); a selector without schema
                   means public, for MySQL the URL's database
  --lake FILE      the DuckDB lake curate wrote
  --warehouse DIR  the Iceberg warehouse \`curate --engine spark\` or \`curate --engine trino\` wrote
  --engine NAME    ${CURATION_ENGINES.map((e) => e.name).join(' | ')}; by default the one whose table registry the
                   --warehouse holds (--lake: duckdb)
  --tables LIST    compare only these source tables: comma-separated schema.table selectors, % as a
                   wildcard, as capture takes them (default: every curated table)
  --exclude LIST   leave out these tables (same selectors, after --tables selects); a selector that
                   matches no curated table excludes nothing
  --json           print one JSON document on stdout instead of the table (per table: status, counts,
                   checksums, differing columns, rows on one side, duplicates, first differing keys)
  -h, --help       show this help

Exit codes: 0 every table matches; 1 a table differs (also a table or column missing on one side);
2 verify could not run (bad usage, source unreachable, lake missing, a --tables selector matching no
table on either side) or a table could not be compared (e.g. the user cannot read it) and none differs.`,
};

/**
 * The long option names a help text lists in its `Options:` section, one per line (`  --name …` or `  -h, --help …`),
 * sorted; undefined when the text has no such section. Lets each command's help be checked against what it parses.
 */
export function helpOptionNames(help: string): string[] | undefined {
  const lines = help.split('\n');
  const start = lines.indexOf('Options:');
  if (start <= 0) return undefined;
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const m = /^ {2}(?:-[a-zA-Z], )?--([a-z][a-z-]*)/.exec(line);
    if (m) names.push(m[1]);
  }
  return names.sort();
}

import type { CurationSettingsProps } from '@cdc-lakehouse/curation';
import { dmsRawFormat } from '@cdc-lakehouse/curation/lib/dms/dms-raw-format';
import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';

/** Props of {@link RawTables}. */
export interface RawTablesProps {
  /** The source's name, as in `.projenrc.ts`; the database is `raw_<source>` (hyphens become underscores). */
  readonly sourceName: string;
  /** Folder of the source in the raw zone, `s3://<raw bucket>/<prefix>/`: DMS writes `<schema>/<table>/` below it (Athena also reads date subfolders). */
  readonly rawLocation: string;
  /** The tables: their settings (source schema/table and DMS format). */
  readonly tables: readonly CurationSettingsProps[];
}

/** The raw Glue database name of a source: `raw_<source>`. */
export function rawDatabaseName(sourceName: string): string {
  const name = `raw_${sourceName.toLowerCase().replace(/-/g, '_')}`;
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`sourceName: '${sourceName}' gives raw database '${name}'; use lowercase letters, digits and hyphens`);
  return name;
}

/** The raw Glue table name of a source table: `<schema>__<table>` (lowercase), unique within the source. */
export function rawTableName(schema: string, table: string): string {
  return `${schema}__${table}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/**
 * The raw DMS tables of one source in the Glue catalog, registered from the plans (no crawler): a database
 * `raw_<source>` and per table an EXTERNAL_TABLE over Parquet at the table's raw folder, declaring only the DMS
 * bookkeeping columns (op, commit timestamp, change sequence, all strings). The data columns are added at run time
 * by the Athena curation Lambda from the files' footers, so CloudFormation manages what it knows up front and the
 * Lambda what the files say; a redeploy resets the columns to the bookkeeping ones, and the next run adds them again.
 */
export class RawTables extends Construct {
  /** The raw database. */
  public readonly database: glue.CfnDatabase;
  /** Its name. */
  public readonly databaseName: string;
  /** Tables by `<schema>.<table>` of the source. */
  public readonly tables = new Map<string, { readonly table: glue.CfnTable; readonly tableName: string; readonly location: string }>();

  constructor(scope: Construct, id: string, props: RawTablesProps) {
    super(scope, id);
    this.databaseName = rawDatabaseName(props.sourceName);
    const account = Stack.of(this).account;
    const root = props.rawLocation.endsWith('/') ? props.rawLocation : `${props.rawLocation}/`;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: {
        name: this.databaseName,
        description: `Raw DMS change files of source ${props.sourceName} (Parquet), read by Athena curation`,
        // no IAMAllowedPrincipals grant on its tables: only the curation's Lake Formation grants reach raw data
        createTableDefaultPermissions: [],
      },
    });
    for (const settings of props.tables) {
      const { schema, table } = settings.source;
      const tableName = rawTableName(schema, table);
      const location = `${root}${schema}/${table}/`;
      const format = dmsRawFormat(settings.source.format);
      const columns = [format.opColumn, format.commitTimestampColumn, ...(format.changeSequenceColumn === null ? [] : [format.changeSequenceColumn])]
        .map((name) => ({ name: name.toLowerCase(), type: 'string' }));
      const cfn = new glue.CfnTable(this, `Table-${schema}-${table}`, {
        catalogId: account,
        databaseName: this.databaseName,
        tableInput: {
          name: tableName,
          description: `DMS files of ${schema}.${table}; data columns are added by the Athena curation Lambda`,
          tableType: 'EXTERNAL_TABLE',
          parameters: { 'classification': 'parquet', 'EXTERNAL': 'TRUE', 'parquet.compression': 'GZIP' },
          storageDescriptor: {
            location,
            columns,
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
          },
        },
      });
      cfn.node.addDependency(this.database);
      this.tables.set(`${schema}.${table}`, { table: cfn, tableName, location });
    }
  }

  /** The Glue ARNs of the database and its tables (`table/<db>/*`) and the catalog. */
  public catalogArns(): string[] {
    const stack = Stack.of(this);
    const arn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
    return [arn('catalog'), arn(`database/${this.databaseName}`), arn(`table/${this.databaseName}/*`)];
  }
}

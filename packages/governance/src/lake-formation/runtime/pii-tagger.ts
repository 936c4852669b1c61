import { EntityNotFoundException, GetTableCommand, GlueClient, Table } from '@aws-sdk/client-glue';
import { LakeFormationClient } from '@aws-sdk/client-lakeformation';
import { Classification, classifyTable } from './classify';
import { CustomResourceResponse, isCustomResourceEvent, oneLine } from './custom-resource';
import type { CustomResourceEvent } from './custom-resource';
import { tablesOf } from './glue-tables';

/** The environment variable holding the tagger's {@link PiiTaggerConfig} as JSON. */
export const CONFIG_VARIABLE = 'PII_TAGGER_CONFIG';
/** The detail-type of the Glue event for CreateTable (it is a database change, with `changedTables`). */
export const DATABASE_CHANGE = 'Glue Data Catalog Database State Change';
/** The detail-type of the Glue event for UpdateTable (with `tableName`). */
export const TABLE_CHANGE = 'Glue Data Catalog Table State Change';
/** The tagger's custom resource physical id. */
export const TAGGER_RUN_ID = 'pii-tagger-reconciled';

/** Curated database name -> curated table name -> declared PII column names. */
export interface PiiTaggerConfig {
  readonly databases: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/** A Glue catalog event as EventBridge delivers it. */
export interface GlueCatalogEvent {
  readonly 'detail-type': string;
  readonly 'detail': { readonly databaseName?: string; readonly typeOfChange?: string; readonly tableName?: string; readonly changedTables?: string[] };
}

/** The scheduled run's input. */
export interface ReconcileEvent { readonly action: 'reconcile' }

export type PiiTaggerEvent = GlueCatalogEvent | ReconcileEvent | CustomResourceEvent;

export interface TaggerClients {
  readonly lakeFormation: LakeFormationClient;
  readonly glue: GlueClient;
}

let clients: TaggerClients | undefined;
function defaultClients(): TaggerClients {
  clients ??= { lakeFormation: new LakeFormationClient({}), glue: new GlueClient({}) };
  return clients;
}

/** Reads the configuration the construct put in the environment. */
export function configFromEnvironment(env: NodeJS.ProcessEnv = process.env): PiiTaggerConfig {
  const text = env[CONFIG_VARIABLE];
  if (!text) throw new Error(`${CONFIG_VARIABLE} is not set; the PII tagger is configured by SourceGovernance`);
  return JSON.parse(text) as PiiTaggerConfig;
}

/**
 * Classifies curated tables: the tables named by a Glue CreateTable/UpdateTable event, or every table of every
 * curated database (the daily schedule and the run at deploy). Tables that fail are reported together after the
 * others are done, in one error.
 */
export async function handle(event: PiiTaggerEvent, config: PiiTaggerConfig, withClients: TaggerClients = defaultClients()):
Promise<{ readonly classified: readonly Classification[] }> {
  const targets = await tablesFor(event, config, withClients.glue);
  const classified: Classification[] = [];
  const failed: string[] = [];
  for (const table of targets) {
    const declared = config.databases[table.DatabaseName!]?.[table.Name!.toLowerCase()] ?? [];
    try {
      const result = await classifyTable(withClients.lakeFormation, table, declared);
      classified.push(result);
      console.log(JSON.stringify(result));
      if (result.missingPiiColumns.length > 0) {
        console.warn(`table ${result.table}: declared PII column(s) ${result.missingPiiColumns.join(', ')} not in the table; `
          + 'they are tagged once the table has them (check the spelling in the source\'s piiColumns)');
      }
    } catch (e) {
      failed.push(`${table.DatabaseName}.${table.Name}: ${oneLine(e)}`);
    }
  }
  if (failed.length > 0) throw new Error(`PII tagger: ${failed.length} table(s) not classified: ${failed.join('; ')}`);
  return { classified };
}

async function tablesFor(event: PiiTaggerEvent, config: PiiTaggerConfig, glue: GlueClient): Promise<Table[]> {
  if (isCustomResourceEvent(event)) return event.RequestType === 'Delete' ? [] : allTables(config, glue);
  if ('action' in event && event.action === 'reconcile') return allTables(config, glue);
  const glueEvent = event as GlueCatalogEvent;
  const { databaseName, typeOfChange } = glueEvent.detail ?? {};
  if (!databaseName || !(databaseName in config.databases)) return [];
  const names = glueEvent['detail-type'] === DATABASE_CHANGE && typeOfChange === 'CreateTable' ? glueEvent.detail.changedTables ?? []
    : glueEvent['detail-type'] === TABLE_CHANGE && typeOfChange === 'UpdateTable' && glueEvent.detail.tableName ? [glueEvent.detail.tableName]
      : [];
  const tables: Table[] = [];
  for (const name of names) {
    try {
      const answer = await glue.send(new GetTableCommand({ DatabaseName: databaseName, Name: name }));
      if (answer.Table) tables.push(answer.Table);
    } catch (e) {
      // dropped again before we got to it: nothing to classify
      if (e instanceof EntityNotFoundException || (e as Error).name === 'EntityNotFoundException') continue;
      throw e;
    }
  }
  return tables;
}

async function allTables(config: PiiTaggerConfig, glue: GlueClient): Promise<Table[]> {
  const tables: Table[] = [];
  for (const [database, declared] of Object.entries(config.databases)) {
    const names = new Set<string>();
    for await (const table of tablesOf(glue, database)) {
      tables.push({ ...table, DatabaseName: table.DatabaseName ?? database });
      names.add(table.Name!.toLowerCase());
    }
    const absent = Object.keys(declared).filter((t) => !names.has(t.toLowerCase()));
    if (absent.length > 0) console.warn(`database ${database}: table(s) with declared PII columns not in the catalog yet: ${absent.join(', ')}`);
  }
  return tables;
}

/** The Lambda entry point: Glue events, the daily schedule and the deploy-time custom resource. */
export async function handler(event: PiiTaggerEvent): Promise<CustomResourceResponse | { readonly classified: number }> {
  const result = await handle(event, configFromEnvironment());
  if (isCustomResourceEvent(event)) {
    return { PhysicalResourceId: event.PhysicalResourceId ?? TAGGER_RUN_ID, Data: { Classified: String(result.classified.length) } };
  }
  return { classified: result.classified.length };
}

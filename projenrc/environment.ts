// The environments (dev, prod, …) an app deploys to, declared in .projenrc.ts, and the checks `npx projen` runs on them.
import { Component, TextFile } from 'projen';
import { CdkApp, ConstructLibrary } from './kinds';
import { EVENTBRIDGE_SCHEDULE } from './source-entry';
import { tsLiteral } from './source-render';

/** DMS Serverless capacity units a replication can scale between. */
export const DMS_CAPACITY_UNITS = [1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384] as const;

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Athena's smallest per-query scan cutoff (10 MB). */
export const MIN_BYTES_SCANNED_CUTOFF = 10_000_000;

/** What `cdk destroy` does with the data: `retain` keeps buckets and keys, `destroy` empties and deletes them. */
export type EnvironmentRemoval = 'retain' | 'destroy';

/** DMS Serverless capacity of every source's replication in an environment. */
export interface EnvironmentDmsEntry {
  /** Fewest capacity units (1 DCU = 2 GB), one of {@link DMS_CAPACITY_UNITS}. @default DMS's minimum (1) */
  readonly minCapacityUnits?: number;
  /** Most capacity units, one of {@link DMS_CAPACITY_UNITS}, at least `minCapacityUnits`. @default 4 */
  readonly maxCapacityUnits?: number;
}

/** Who governs the lake and who may query it in an environment; the `lakehouse:*` context keys still override each field. */
export interface EnvironmentGovernanceEntry {
  /** IAM role or user ARNs added to the Lake Formation admins. */
  readonly lakeFormationAdmins?: string[];
  /** Who may assume the analyst role: 12-digit account IDs or IAM role ARNs. @default the account */
  readonly analystPrincipals?: string[];
  /** Who may assume the PII-reader role. @default nobody (no PII-reader role) */
  readonly piiReaderPrincipals?: string[];
  /** An analyst query scanning more bytes than this is cancelled; at least 10 MB. @default 10 GiB */
  readonly bytesScannedCutoffPerQuery?: number;
}

/** One environment: the single entry `.projenrc.ts` needs for `nx deploy <app> --configuration=<name>`. */
export interface EnvironmentEntry {
  /** Name: lowercase letters, digits and hyphens; the Nx configuration and the value of `-c lakehouse:environment=<name>`. */
  readonly name: string;
  /** The 12-digit AWS account every stack deploys to. */
  readonly account: string;
  /** The AWS region every stack deploys to, e.g. `eu-west-1`. */
  readonly region: string;
  /**
   * What `cdk destroy` does with raw zones, the warehouse, access logs and analysts' results.
   * An explicit `-c @cdc-lakehouse/raw-zone:removeDataOnDestroy=…` still wins.
   * @default 'retain'
   */
  readonly removal?: EnvironmentRemoval;
  /** Lets an environment named `prod` or `production` use `removal: 'destroy'`. @default false */
  readonly allowDestroyInProduction?: boolean;
  /** DMS Serverless capacity of every source. @default the replication's defaults (1 to 4 DCU) */
  readonly dms?: EnvironmentDmsEntry;
  /**
   * Curation schedule of every source in this environment, replacing the entry's own (same syntax:
   * `rate(<n> minutes|hours|days)` or `cron(<6 fields>)`).
   * @default each source's own schedule
   */
  readonly curationSchedule?: string;
  /** How long the curation logs (state machine, Glue job) are kept, in days; one of {@link LOG_RETENTION_DAYS}. @default 90 */
  readonly logRetentionDays?: number;
  /** E-mail addresses subscribed to each source's alarm topic (each confirms once, from the e-mail SNS sends). @default none */
  readonly alarmEmails?: string[];
  /** Lake Formation admins, analysts, PII readers and the scan cutoff. @default the governance defaults */
  readonly governance?: EnvironmentGovernanceEntry;
}

const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[A-Za-z]{2,}$/;
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;
const PRODUCTION = new Set(['prod', 'production']);

/** Checks an environment before anything is generated; throws a one-line error naming the environment, the field and the fix. */
export function validateEnvironment(entry: EnvironmentEntry, existing: readonly EnvironmentEntry[]): void {
  const where = `environment "${entry.name}"`;
  if (!NAME.test(entry.name)) {
    throw new Error(`${where}: name must be 2-32 lowercase letters, digits or hyphens, starting with a letter`);
  }
  if (existing.some((e) => e.name === entry.name)) throw new Error(`${where}: defined twice in .projenrc.ts`);
  if (!ACCOUNT.test(String(entry.account))) throw new Error(`${where}: account "${entry.account}" is not a 12-digit AWS account ID`);
  if (!REGION.test(String(entry.region))) throw new Error(`${where}: region "${entry.region}" is not an AWS region such as eu-west-1`);
  const clash = existing.find((e) => e.account === entry.account && e.region === entry.region);
  if (clash) {
    throw new Error(`${where}: account ${entry.account} in ${entry.region} is already environment "${clash.name}"; `
      + 'two environments there would create the same physical names (workgroups, replication configs); use another account or region');
  }
  const removal = entry.removal ?? 'retain';
  if (removal !== 'retain' && removal !== 'destroy') throw new Error(`${where}: removal "${String(removal)}" must be 'retain' or 'destroy'`);
  if (removal === 'destroy' && PRODUCTION.has(entry.name) && entry.allowDestroyInProduction !== true) {
    throw new Error(`${where}: removal 'destroy' would delete production data on cdk destroy; use 'retain', or set allowDestroyInProduction: true`);
  }
  validateDms(where, entry.dms ?? {});
  if (entry.curationSchedule !== undefined && !EVENTBRIDGE_SCHEDULE.test(entry.curationSchedule)) {
    throw new Error(`${where}: curationSchedule "${entry.curationSchedule}" is not an EventBridge schedule; use 'rate(6 hours)' or 'cron(0 2 * * ? *)'`);
  }
  if (entry.logRetentionDays !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(entry.logRetentionDays)) {
    throw new Error(`${where}: logRetentionDays ${entry.logRetentionDays} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const emails = new Set<string>();
  for (const email of entry.alarmEmails ?? []) {
    if (!EMAIL.test(email)) throw new Error(`${where}: alarmEmails "${email}" is not an e-mail address`);
    if (emails.has(email.toLowerCase())) throw new Error(`${where}: alarmEmails lists ${email} twice`);
    emails.add(email.toLowerCase());
  }
  validateGovernance(where, entry.governance ?? {});
}

function validateDms(where: string, dms: EnvironmentDmsEntry): void {
  for (const field of ['minCapacityUnits', 'maxCapacityUnits'] as const) {
    const value = dms[field];
    if (value !== undefined && !(DMS_CAPACITY_UNITS as readonly number[]).includes(value)) {
      throw new Error(`${where}: dms.${field} ${value} is not a DMS Serverless capacity; use one of ${DMS_CAPACITY_UNITS.join(', ')}`);
    }
  }
  const min = dms.minCapacityUnits ?? 1;
  const max = dms.maxCapacityUnits ?? 4;
  if (min > max) {
    throw new Error(`${where}: dms.minCapacityUnits ${min} is above dms.maxCapacityUnits ${max}${dms.maxCapacityUnits === undefined ? ' (the default)' : ''}`);
  }
}

function validateGovernance(where: string, g: EnvironmentGovernanceEntry): void {
  const principals = (field: string, list: string[] | undefined, accountsToo: boolean) => {
    for (const p of list ?? []) {
      if (!IAM_PRINCIPAL_ARN.test(p) && !(accountsToo && ACCOUNT.test(p))) {
        throw new Error(`${where}: governance.${field} "${p}" is not ${accountsToo ? 'a 12-digit account ID or ' : ''}an IAM role/user ARN`);
      }
    }
  };
  principals('lakeFormationAdmins', g.lakeFormationAdmins, false);
  principals('analystPrincipals', g.analystPrincipals, true);
  principals('piiReaderPrincipals', g.piiReaderPrincipals, true);
  const cutoff = g.bytesScannedCutoffPerQuery;
  if (cutoff !== undefined && (!Number.isInteger(cutoff) || cutoff < MIN_BYTES_SCANNED_CUTOFF)) {
    throw new Error(`${where}: governance.bytesScannedCutoffPerQuery ${cutoff} must be a whole number of bytes, at least ${MIN_BYTES_SCANNED_CUTOFF} (10 MB)`);
  }
}

/** Options of {@link EnvironmentCatalog}. */
export interface EnvironmentCatalogOptions {
  /** The CDK apps deployed to each environment: each gets one Nx configuration per environment. */
  readonly apps: CdkApp[];
  /** The package both apps are configured from: gets `src/config/environments.generated.ts`. */
  readonly config: ConstructLibrary;
}

/**
 * The environments the apps deploy to, from one typed list in .projenrc.ts: `environments.add({...})` then
 * `npx projen` writes the config package's `src/config/environments.generated.ts` and, in every app, the
 * configuration `<name>` of its `synth`, `diff`, `deploy` and `cfn-lint` targets (`npx nx deploy platform -c prod`).
 */
export class EnvironmentCatalog extends Component {
  private readonly entries: EnvironmentEntry[] = [];
  private readonly file: TextFile;

  private readonly apps: CdkApp[];

  constructor(options: EnvironmentCatalogOptions) {
    super(options.config);
    if (options.apps.length === 0) throw new Error('EnvironmentCatalog: give at least one app');
    this.apps = options.apps;
    this.file = new TextFile(options.config, 'src/config/environments.generated.ts', { lines: [], readonly: true });
  }

  /** Adds an environment; throws a one-line error when the entry is wrong. */
  public add(entry: EnvironmentEntry): void {
    validateEnvironment(entry, this.entries);
    this.entries.push(entry);
    for (const app of this.apps) app.addEnvironment(entry.name);
  }

  /** The environments, in the order they were added. */
  public get environments(): readonly EnvironmentEntry[] {
    return this.entries;
  }

  public preSynthesize(): void {
    // as declared, with the removal default filled in; allowDestroyInProduction only matters here
    const literal = this.entries.map((e) => ({
      name: e.name,
      account: e.account,
      region: e.region,
      removal: e.removal ?? 'retain',
      dms: e.dms,
      curationSchedule: e.curationSchedule,
      logRetentionDays: e.logRetentionDays,
      alarmEmails: e.alarmEmails,
      governance: e.governance,
    }));
    const lines = [
      `// ${this.file.marker}`,
      '',
      '/** An environment the app deploys to, as declared in .projenrc.ts (`environments.add({...})`). */',
      'export interface LakehouseEnvironment {',
      `  /** Chosen with \`-c ${CdkApp.ENVIRONMENT_CONTEXT}=<name>\`, or \`npx nx <synth|diff|deploy> <${this.apps.map((a) => a.nxName).join('|')}> -c <name>\`. */`,
      '  readonly name: string;',
      '  /** Account of every stack. */',
      '  readonly account: string;',
      '  /** Region of every stack. */',
      '  readonly region: string;',
      '  /** What `cdk destroy` does with the data (buckets, keys): keep it or delete it. */',
      "  readonly removal: 'retain' | 'destroy';",
      '  /** DMS Serverless capacity units of every source\'s replication. */',
      '  readonly dms?: { readonly minCapacityUnits?: number; readonly maxCapacityUnits?: number };',
      '  /** Replaces every source\'s curation schedule. */',
      '  readonly curationSchedule?: string;',
      '  /** Retention of the curation logs, in days (a CloudWatch Logs value). */',
      '  readonly logRetentionDays?: number;',
      '  /** Subscribed to each source\'s alarm topic. */',
      '  readonly alarmEmails?: readonly string[];',
      '  /** Governance settings; each `lakehouse:*` context key still overrides its field. */',
      '  readonly governance?: {',
      '    readonly lakeFormationAdmins?: readonly string[];',
      '    readonly analystPrincipals?: readonly string[];',
      '    readonly piiReaderPrincipals?: readonly string[];',
      '    readonly bytesScannedCutoffPerQuery?: number;',
      '  };',
      '}',
      '',
      '/** Where the environments are declared, for error messages. */',
      "export const ENVIRONMENTS_DEFINED_IN = '.projenrc.ts (environments.add)';",
      '',
      '/** The environments declared in .projenrc.ts, in order. */',
      `export const ENVIRONMENTS: readonly LakehouseEnvironment[] = ${tsLiteral(literal)};`,
      '',
    ];
    for (const line of lines) this.file.addLine(line);
  }
}

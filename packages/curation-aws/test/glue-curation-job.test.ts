import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RawZone, REMOVE_DATA_ON_DESTROY_CONTEXT } from '@cdc-lakehouse/raw-zone';
import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { getAtt, logicalId, nagErrors, rolePolicyStatements } from './helpers';
import {
  CurationTable, GlueCurationJob, GlueCurationJobProps, LakehouseWarehouse, findGlueScriptsDir, sourceJobSpec,
} from '../src';

const TABLES: CurationTable[] = [
  { schema: 'public', table: 'customers', primaryKey: ['customer_id'], deletes: 'soft' },
  { schema: 'public', table: 'orders', primaryKey: ['order_id'], partitionBy: [{ column: 'ordered_at', transform: 'day' }] },
  { schema: 'public', table: 'order_lines', primaryKey: ['order_id', 'line_no'], partitionBy: [{ column: 'order_id', transform: { bucket: 16 } }] },
  { schema: 'public', table: 'page_views' },
];

/** A platform stack with the warehouse and a source stack with the raw zone and the job, as the platform app has them. */
function synth(props: Partial<GlueCurationJobProps> = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const platform = new Stack(app, 'Platform');
  const warehouse = new LakehouseWarehouse(platform, 'Warehouse', { sourceNames: ['orders'] });
  const stack = new Stack(app, 'Source');
  const rawZone = new RawZone(stack, 'RawZone', { sourceName: 'orders' });
  const job = new GlueCurationJob(stack, 'Curation', { sourceName: 'orders', rawZone, rawPrefix: 'orders', warehouse, tables: TABLES, ...props });
  return {
    app,
    platform,
    stack,
    warehouse,
    rawZone,
    job,
    /** Synthesizes on first use: the construct tree cannot change afterwards. */
    get template() { return Template.fromStack(stack); },
  };
}

function jobResource(template: Template): Record<string, any> {
  const jobs = Object.values(template.findResources('AWS::Glue::Job'));
  expect(jobs).toHaveLength(1);
  return jobs[0].Properties;
}

/** How a template refers to a bucket of another stack. */
const imported = (exportPattern: string) => ({ 'Fn::ImportValue': expect.stringMatching(exportPattern) });

describe('the Glue job', () => {
  const { stack, job, template } = synth();
  const props = jobResource(template);

  test('is a Glue 5.0 PySpark ETL job running curate_table.py with Python 3', () => {
    expect(props.GlueVersion).toBe('5.0');
    expect(props.Command).toEqual({
      Name: 'glueetl',
      PythonVersion: '3',
      ScriptLocation: { 'Fn::Join': ['', ['s3://', { 'Fn::Sub': expect.any(String) }, expect.stringMatching('^/[0-9a-f]{64}\\.py$')]] },
    });
  });

  test('has a physical name, unique to its path, that other stacks can name it by without an export', () => {
    expect(job.jobName).toMatch(/^source-curation-[0-9a-f]{8}$/i);
    expect(props.Name).toBe(job.jobName);
    const named = synth({ jobName: 'orders-curation' });
    expect(named.job.jobName).toBe('orders-curation');
    expect(jobResource(named.template).Name).toBe('orders-curation');
  });

  test('runs one at a time per source', () => {
    expect(props.ExecutionProperty).toEqual({ MaxConcurrentRuns: 1 });
  });

  test('defaults: 2 G.1X workers, 60 minutes, no automatic retry, no metrics, bookmarks off', () => {
    expect(props.WorkerType).toBe('G.1X');
    expect(props.NumberOfWorkers).toBe(2);
    expect(props.Timeout).toBe(60);
    expect(props.MaxRetries).toBe(0);
    expect(props.DefaultArguments['--enable-metrics']).toBeUndefined();
    expect(props.DefaultArguments['--enable-observability-metrics']).toBeUndefined();
    expect(props.DefaultArguments['--job-bookmark-option']).toBe('job-bookmark-disable');
  });

  test('enables Iceberg and defines the Glue catalog once, through --conf', () => {
    expect(props.DefaultArguments['--datalake-formats']).toBe('iceberg');
    expect(stack.resolve(props.DefaultArguments['--conf'])).toEqual({
      'Fn::Join': ['', [
        'spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions'
        + ' --conf spark.sql.catalog.glue_catalog=org.apache.iceberg.spark.SparkCatalog'
        + ' --conf spark.sql.catalog.glue_catalog.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog'
        + ' --conf spark.sql.catalog.glue_catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO'
        + ' --conf spark.sql.catalog.glue_catalog.warehouse=s3://',
        imported('WarehouseBucket'),
        '/',
      ]],
    });
  });

  test('passes the contract\'s job parameters: spec, raw root, warehouse, catalog', () => {
    const args = props.DefaultArguments;
    expect(args['--catalog']).toBe('glue_catalog');
    expect(args['--raw_root']).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: logicalId(job.node.scope!.node.findChild('RawZone').node.findChild('Bucket')) }, '/orders']] });
    expect(args['--warehouse']).toEqual({ 'Fn::Join': ['', ['s3://', imported('WarehouseBucket'), '/']] });
    expect(args['--job_spec_uri']).toEqual({ 'Fn::Sub': expect.stringMatching(/^s3:\/\/cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}\/[0-9a-f]{64}\.json$/) });
    expect(Object.keys(job.jobParameters).sort()).toEqual(['--catalog', '--job_spec_uri', '--raw_root', '--warehouse']);
  });

  test('ships the lakehouse_curation package as --extra-py-files (a zip of glue-scripts/src)', () => {
    expect(props.DefaultArguments['--extra-py-files']).toEqual({
      'Fn::Join': ['', ['s3://', { 'Fn::Sub': expect.any(String) }, expect.stringMatching('^/[0-9a-f]{64}\\.zip$')]],
    });
  });

  test('sends continuous logs to its own log group, encrypted with the job key and kept 3 months', () => {
    expect(props.DefaultArguments['--enable-continuous-cloudwatch-log']).toBe('true');
    expect(props.DefaultArguments['--continuous-log-logGroup']).toEqual({ Ref: logicalId(job.logGroup) });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: getAtt(job.encryptionKey), RetentionInDays: 90 });
  });
});

describe('the security configuration', () => {
  const { job, template } = synth();

  test('encrypts S3 data with the warehouse key, CloudWatch logs and job bookmarks with the job key', () => {
    template.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      EncryptionConfiguration: {
        S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: { 'Fn::ImportValue': Match.stringLikeRegexp('WarehouseKey') } }],
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: getAtt(job.encryptionKey) },
        JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: getAtt(job.encryptionKey) },
      },
    });
    expect(jobResource(template).SecurityConfiguration).toEqual({ Ref: logicalId(job.securityConfiguration) });
  });

  test('the job key rotates, and CloudWatch Logs may use it for this job\'s log groups only', () => {
    const key = template.toJSON().Resources[logicalId(job.encryptionKey)];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const logsStatement = key.Properties.KeyPolicy.Statement.find((s: any) => JSON.stringify(s.Principal).includes('logs.'));
    expect(logsStatement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']['Fn::Join'][1].slice(-1)[0])
      .toMatch(/^:log-group:\/aws-glue\/jobs\/source-curation-[a-z0-9-]+-\*$/);
  });
});

describe('the job role is least-privilege', () => {
  const { stack, job, rawZone, warehouse, template } = synth();
  const statements = rolePolicyStatements(template, job.role);
  const resourcesOf = (action: string) => statements.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());

  test('the only bare * resource is PutMetricData of the freshness metric, in the CdcLakehouse/Curation namespace only', () => {
    expect(statements.filter((s) => [s.Resource].flat().includes('*'))).toEqual([
      { Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'CdcLakehouse/Curation' } } },
    ]);
  });

  test('the job argument --freshness_source (the source name) turns the per-table FreshnessSeconds metric on; nag is clean', () => {
    expect(jobResource(template).DefaultArguments['--freshness_source']).toBe('orders');
    expect(Object.keys(job.jobParameters)).not.toContain('--freshness_source');
    expect(nagErrors(synth().app)).toEqual([]);
  });

  test('reads its raw zone only: that bucket and its key, through S3', () => {
    expect(resourcesOf('s3:GetObject')).toEqual(expect.arrayContaining([{ 'Fn::Join': ['', [getAtt(rawZone.bucket), '/*']] }]));
    expect(resourcesOf('kms:Decrypt')).toEqual(expect.arrayContaining([getAtt(rawZone.encryptionKey)]));
    expect(resourcesOf('s3:PutObject').map((r) => JSON.stringify(r))).not.toContain(JSON.stringify(getAtt(rawZone.bucket)));
  });

  test('writes only its own folder of the warehouse and the curated_orders database and tables', () => {
    expect(resourcesOf('s3:PutObject')).toEqual([{ 'Fn::Join': ['', [imported('WarehouseBucket'), '/curated_orders/*']] }]);
    expect(resourcesOf('s3:DeleteObject')).toEqual(resourcesOf('s3:PutObject'));
    const glueResources = resourcesOf('glue:UpdateTable').map((r) => stack.resolve(r)['Fn::Join'][1].slice(-1)[0]);
    expect(glueResources).toEqual([':catalog', ':database/curated_orders', ':table/curated_orders/*']);
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('glue:')).sort())
      .toEqual(['glue:CreateTable', 'glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:UpdateTable']);
    void warehouse;
  });

  test('reads exactly the three objects the job is made of: script, package zip, spec', () => {
    const objects = resourcesOf('s3:GetObject').map((r) => JSON.stringify(stack.resolve(r)));
    const assetObjects = objects.filter((o) => o.includes('cdk-hnb659fds-assets'));
    expect(assetObjects).toHaveLength(3);
    for (const suffix of ['.py', '.zip', '.json']) expect(assetObjects.some((o) => new RegExp(`/[0-9a-f]{64}\\${suffix}"`).test(o))).toBe(true);
    expect(statements.flatMap((s) => [s.Action].flat())).not.toEqual(expect.arrayContaining(['s3:GetObject*']));
  });

  test('writes logs only under its security configuration\'s log-group prefix', () => {
    const logsResources = resourcesOf('logs:AssociateKmsKey').map((r) => JSON.stringify(stack.resolve(r)));
    expect(logsResources).toHaveLength(1);
    expect(logsResources[0]).toMatch(/:log-group:\/aws-glue\/jobs\/source-curation-[a-z0-9-]+-\*"/);
    expect(resourcesOf('logs:PutLogEvents')).toEqual(expect.arrayContaining([getAtt(job.logGroup)]));
  });

  test('no Lake Formation and no Glue metrics permission unless asked for', () => {
    expect(resourcesOf('lakeformation:GetDataAccess')).toEqual([]);
    const namespaces = statements.filter((s) => s.Action === 'cloudwatch:PutMetricData').map((s) => s.Condition.StringEquals['cloudwatch:namespace']);
    expect(namespaces).toEqual(['CdcLakehouse/Curation']);
  });

  test('lakeFormation: true adds lakeformation:GetDataAccess (no resource-level permissions exist)', () => {
    const lf = synth({ lakeFormation: true });
    const lfStatements = rolePolicyStatements(lf.template, lf.job.role);
    expect(lfStatements).toEqual(expect.arrayContaining([{ Effect: 'Allow', Action: 'lakeformation:GetDataAccess', Resource: '*' }]));
    expect(nagErrors(lf.app)).toEqual([]);
  });

  test('metrics: true turns Glue metrics on and allows PutMetricData in the Glue namespace only', () => {
    const m = synth({ metrics: true });
    expect(jobResource(m.template).DefaultArguments['--enable-metrics']).toBe('');
    expect(rolePolicyStatements(m.template, m.job.role)).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } } },
    ]));
    expect(nagErrors(m.app)).toEqual([]);
  });

  test('both together: one acknowledged * finding carrying every reason', () => {
    const both = synth({ lakeFormation: true, metrics: true });
    const actions = rolePolicyStatements(both.template, both.job.role).filter((st) => st.Resource === '*').map((st) => st.Action);
    expect(actions.sort()).toEqual(['cloudwatch:PutMetricData', 'cloudwatch:PutMetricData', 'lakeformation:GetDataAccess']);
    expect(nagErrors(both.app)).toEqual([]);
  });

  test('grantStartRun lets a scheduler start, follow and stop runs of this job only', () => {
    const s = synth();
    const scheduler = new iam.Role(s.stack, 'Scheduler', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    s.job.grantStartRun(scheduler);
    const t = Template.fromStack(s.stack);
    expect(rolePolicyStatements(t, scheduler)).toEqual([{
      Effect: 'Allow',
      Action: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
      Resource: s.stack.resolve(s.job.job.jobArn),
    }]);
  });
});

describe('the job spec', () => {
  test('is generated from the tables by sparkJobSpec and uploaded as the asset --job_spec_uri names', () => {
    const { app, job } = synth();
    const assembly = app.synth();
    expect(job.jobSpec).toEqual(sourceJobSpec('orders', TABLES));
    const asset = job.node.findChild('JobSpec') as s3assets.Asset;
    const uploaded = JSON.parse(fs.readFileSync(path.join(assembly.directory, asset.assetPath), 'utf8'));
    expect(uploaded).toEqual(JSON.parse(JSON.stringify(job.jobSpec)));
    expect(uploaded.catalog).toBe('glue_catalog');
    expect(uploaded.tables.map((t: any) => t.name)).toEqual([
      'curated_orders.customers', 'curated_orders.orders', 'curated_orders.order_lines', 'curated_orders.page_views',
    ]);
  });

  test('carries each table\'s keys, mode, delete handling and partitioning from the entry', () => {
    const { job } = synth();
    const byTable = Object.fromEntries(job.jobSpec.tables.map((t) => [t.table, t]));
    expect(byTable.customers).toMatchObject({ database: 'curated_orders', source: { schema: 'public', table: 'customers' }, mode: 'merge', deletes: 'soft', primaryKey: ['customer_id'] });
    expect(byTable.orders).toMatchObject({ mode: 'merge', deletes: 'hard', partitionBy: [{ column: 'ordered_at', transform: 'day' }] });
    expect(byTable.order_lines).toMatchObject({ primaryKey: ['order_id', 'line_no'], partitionBy: [{ column: 'order_id', transform: 'bucket', buckets: 16 }] });
    expect(byTable.page_views).toMatchObject({ mode: 'append-only', primaryKey: [] });
  });

  test('entry transforms become the plan\'s partition fields; curated names are the lowercased table names', () => {
    const spec = sourceJobSpec('billing-eu', [
      { schema: 'Billing', table: 'Invoices', primaryKey: ['invoice_no'], partitionBy: [{ column: 'invoice_no', transform: { truncate: 4 } }] },
    ]);
    expect(spec.tables[0]).toMatchObject({
      name: 'curated_billing_eu.invoices',
      source: { schema: 'Billing', table: 'Invoices' },
      partitionBy: [{ column: 'invoice_no', transform: 'truncate', width: 4 }],
    });
    expect(() => sourceJobSpec('orders', [{ schema: 'public', table: 'Order$s' }]))
      .toThrow("table public.Order$s: 'order$s' is not a Glue table name; curated tables need lowercase letters, digits and underscores, starting with a letter");
  });

  test('the same tables give the same spec asset (content-addressed), other tables another', () => {
    const a = synth().job.node.findChild('JobSpec') as s3assets.Asset;
    const b = synth().job.node.findChild('JobSpec') as s3assets.Asset;
    const c = synth({ tables: TABLES.slice(0, 1) }).job.node.findChild('JobSpec') as s3assets.Asset;
    expect(a.assetHash).toBe(b.assetHash);
    expect(c.assetHash).not.toBe(a.assetHash);
  });

  test('the Python package zip holds lakehouse_curation/ at its root, without caches or tests', () => {
    const { app, job } = synth();
    const assembly = app.synth();
    const staged = path.join(assembly.directory, (job.node.findChild('PythonPackage') as s3assets.Asset).assetPath);
    expect(fs.readdirSync(staged)).toContain('lakehouse_curation');
    expect(fs.existsSync(path.join(staged, 'lakehouse_curation', '__init__.py'))).toBe(true);
    const all = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? [e.name, ...all(path.join(dir, e.name))] : [e.name]));
    expect(all(staged).filter((n) => n === '__pycache__' || n === 'tests' || n.endsWith('.pyc'))).toEqual([]);
  });
});

describe('settings and validation', () => {
  test('worker type and count, timeout and retries are configurable', () => {
    const props = jobResource(synth({ workerType: glue.WorkerType.G_2X, workerCount: 10, timeout: Duration.hours(3), maxRetries: 2 }).template);
    expect([props.WorkerType, props.NumberOfWorkers, props.Timeout, props.MaxRetries]).toEqual(['G.2X', 10, 180, 2]);
  });

  test.each<[string, Partial<GlueCurationJobProps>, string]>([
    ['one worker', { workerCount: 1 }, 'workerCount: 1 is not allowed; use a whole number from 2 to 299'],
    ['11 retries', { maxRetries: 11 }, 'maxRetries: 11 is not allowed; use a whole number from 0 to 10'],
    ['a 3-day timeout', { timeout: Duration.days(3) }, 'timeout (minutes): 4320 is not allowed; use a whole number from 1 to 2880'],
    ['a raw prefix with a slash at the end', { rawPrefix: 'orders/' }, "rawPrefix: 'orders/' is not allowed; use the DMS target's bucketFolder"],
    ['a source the warehouse lacks', { sourceName: 'hr' }, "has no curated database for source 'hr'"],
    ['no tables', { tables: [] }, "source 'orders': list at least one table to curate"],
    ['a job name that is a token', { jobName: Lazy.string({ produce: () => 'x' }) }, 'is not a literal Glue job name of 1 to 255 characters'],
    ['a job name of 256 characters', { jobName: 'j'.repeat(256) }, 'is not a literal Glue job name of 1 to 255 characters'],
    ['two tables curated under one name', { tables: [{ schema: 'a', table: 'x' }, { schema: 'b', table: 'X' }] },
      "source 'orders': tables a.x and b.X would both be curated as curated_orders.x"],
  ])('refuses %s', (_what, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('the glue-scripts folder is found from the package; a folder without the script fails naming the prop', () => {
    expect(fs.existsSync(path.join(findGlueScriptsDir(), 'curate_table.py'))).toBe(true);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-glue-scripts-'));
    try {
      expect(() => findGlueScriptsDir(empty)).toThrow(/^glueScriptsDir: no glue-scripts\/curate_table\.py found in .* or any folder above it; set glueScriptsDir/);
      expect(() => synth({ glueScriptsDir: empty })).toThrow(/^glueScriptsDir: .*curate_table\.py does not exist/);
      fs.writeFileSync(path.join(empty, 'curate_table.py'), '');
      expect(() => synth({ glueScriptsDir: empty })).toThrow(/^glueScriptsDir: .*lakehouse_curation\/__init__\.py does not exist/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('the job key and log group are retained by default and deleted with the removal flag', () => {
    const retained = synth().template;
    retained.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    expect(Object.values(retained.findResources('AWS::KMS::Key')).map((k) => k.DeletionPolicy)).toEqual(['Retain', 'Retain']);
    const removed = synth({}, { [REMOVE_DATA_ON_DESTROY_CONTEXT]: 'true' }).template;
    removed.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    expect(Object.values(removed.findResources('AWS::KMS::Key')).map((k) => k.DeletionPolicy)).toEqual(['Delete', 'Delete']);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('the job, its role and the warehouse have no unacknowledged finding', () => {
    expect(nagErrors(synth().app)).toEqual([]);
  });

  test('nor after synthesis, when the warehouse ARNs have become imports from the platform stack', () => {
    const { app } = synth();
    app.synth();
    expect(nagErrors(app)).toEqual([]);
  });

  test('synth with the plugin registered on the app succeeds', () => {
    const { app } = synth();
    const { AwsSolutionsChecks } = jest.requireActual('cdk-nag');
    const { Validations } = jest.requireActual('aws-cdk-lib');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

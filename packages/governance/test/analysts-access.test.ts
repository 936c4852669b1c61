import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import {
  AnalystAccess, AnalystAccessProps, ANALYSTS_WORKGROUP_NAME, DEFAULT_BYTES_SCANNED_CUTOFF, MIN_BYTES_SCANNED_CUTOFF, PII_READERS_WORKGROUP_NAME,
} from '../src/analysts';

const ANALYST = 'arn:aws:iam::111122223333:role/AWSReservedSSO_Analyst_0123';
const PII_READER = 'arn:aws:iam::111122223333:role/AWSReservedSSO_PiiReader_4567';

function synth(props: Partial<AnalystAccessProps> = {}) {
  const stack = new Stack(new App(), 'Analysts');
  const access = new AnalystAccess(stack, 'Access', {
    curatedDatabaseNames: ['curated_orders', 'curated_billing'],
    analystPrincipals: [new iam.ArnPrincipal(ANALYST)],
    piiReaderPrincipals: [new iam.ArnPrincipal(PII_READER)],
    ...props,
  });
  return { stack, access, template: Template.fromStack(stack) };
}

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as never);
}

function getAtt(construct: IConstruct, attribute = 'Arn') {
  return { 'Fn::GetAtt': [logicalId(construct), attribute] };
}

function objectsArn(bucket: IConstruct, suffix: string) {
  return { 'Fn::Join': ['', [getAtt(bucket), suffix]] };
}

function glueArn(resource: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]] };
}

function workgroupArn(name: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':athena:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:workgroup/${name}`]] };
}

function rolePolicyStatements(template: Template, role: iam.Role): Record<string, unknown>[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

function bucketPolicyStatements(template: Template, bucket: IConstruct): Record<string, unknown>[] {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: logicalId(bucket) } } }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

const VIA_S3 = { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } };

describe('results bucket', () => {
  test('a customer-managed key with rotation encrypts it, with S3 bucket keys', () => {
    const { access, template } = synth();
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const bucket = template.toJSON().Resources[logicalId(access.resultsBucket)];
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt(access.resultsKey) },
      }],
    });
  });

  test('blocks public access, disables ACLs, keeps no versions and expires results after 30 days', () => {
    const { access, template } = synth();
    const bucket = template.toJSON().Resources[logicalId(access.resultsBucket)];
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.LifecycleConfiguration).toEqual({
      Rules: [{ Id: 'expire-query-results', Status: 'Enabled', ExpirationInDays: 30, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
    });
  });

  test('resultsExpiration sets the expiry', () => {
    const { access, template } = synth({ resultsExpiration: Duration.days(7) });
    const bucket = template.toJSON().Resources[logicalId(access.resultsBucket)];
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(7);
  });

  test('the bucket policy denies requests without TLS or below TLS 1.2', () => {
    const { access, template } = synth();
    const resources = [getAtt(access.resultsBucket), objectsArn(access.resultsBucket, '/*')];
    expect(bucketPolicyStatements(template, access.resultsBucket)).toEqual(expect.arrayContaining([
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: resources, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: resources, Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } },
    ]));
  });

  test('server access logs go to a log bucket of its own (SSE-S3) unless one is given', () => {
    const { access, template } = synth();
    template.resourceCountIs('AWS::S3::Bucket', 2);
    const resources = template.toJSON().Resources;
    const logging = resources[logicalId(access.resultsBucket)].Properties.LoggingConfiguration;
    expect(logging.LogFilePrefix).toBe('athena-results/');
    const logBucket = resources[logging.DestinationBucketName.Ref];
    expect(logBucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect(logBucket.DeletionPolicy).toBe('Retain');
  });

  test('a given log bucket is used and no other is created', () => {
    const stack = new Stack(new App(), 'Given');
    const logs = s3.Bucket.fromBucketName(stack, 'Logs', 'my-access-logs');
    const access = new AnalystAccess(stack, 'Access', {
      curatedDatabaseNames: ['curated_orders'], analystPrincipals: [new iam.AccountRootPrincipal()], serverAccessLogsBucket: logs,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(template.toJSON().Resources[logicalId(access.resultsBucket)].Properties.LoggingConfiguration.DestinationBucketName).toBe('my-access-logs');
  });

  test('bucket, key and log bucket are retained by default', () => {
    const { template } = synth();
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect([resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
      }
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('RemovalPolicy.DESTROY empties and deletes both buckets and schedules the key for deletion in 7 days', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      for (const resource of Object.values(template.findResources(type))) expect(resource.DeletionPolicy).toBe('Delete');
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    template.hasResourceProperties('AWS::KMS::Key', { PendingWindowInDays: 7 });
  });
});

describe('workgroups', () => {
  test('one workgroup per role, each enforcing engine v3, SSE_KMS with the results key, the cutoff and metrics, in its own folder', () => {
    const { access, template } = synth();
    template.resourceCountIs('AWS::Athena::WorkGroup', 2);
    for (const [name, prefix] of [[ANALYSTS_WORKGROUP_NAME, 'analysts/'], [PII_READERS_WORKGROUP_NAME, 'pii-readers/']]) {
      template.hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: name,
        State: 'ENABLED',
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
          RequesterPaysEnabled: false,
          BytesScannedCutoffPerQuery: DEFAULT_BYTES_SCANNED_CUTOFF,
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          ResultConfiguration: {
            OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(access.resultsBucket) }, `/${prefix}`]] },
            EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: getAtt(access.resultsKey) },
            ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
          },
        },
      });
    }
    expect(access.analysts.workgroupName).toBe('lakehouse-analysts');
    expect(access.analysts.resultsPrefix).toBe('analysts/');
    expect(access.piiReaders?.workgroupName).toBe('lakehouse-pii-readers');
    expect(access.piiReaders?.resultsPrefix).toBe('pii-readers/');
  });

  test('the default cutoff is 10 GiB; bytesScannedCutoffPerQuery sets it', () => {
    expect(DEFAULT_BYTES_SCANNED_CUTOFF).toBe(10_737_418_240);
    const { template } = synth({ bytesScannedCutoffPerQuery: MIN_BYTES_SCANNED_CUTOFF });
    template.allResourcesProperties('AWS::Athena::WorkGroup', { WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 10_485_760 }) });
  });

  test.each([[undefined], [[]]])('without PII readers (%p): one workgroup, one role, no piiReaders', (piiReaderPrincipals) => {
    const { access, template } = synth({ piiReaderPrincipals });
    template.resourceCountIs('AWS::Athena::WorkGroup', 1);
    template.resourceCountIs('AWS::IAM::Role', 1);
    expect(access.piiReaders).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('pii-readers');
  });
});

describe('roles', () => {
  test('trust: the given principals may assume the role and set a source identity; sessions up to 12 hours', () => {
    const { access, template } = synth({ analystPrincipals: [new iam.ArnPrincipal(ANALYST), new iam.AccountPrincipal('444455556666')] });
    const role = template.toJSON().Resources[logicalId(access.analysts.role)].Properties;
    expect(role.MaxSessionDuration).toBe(43_200);
    const statements: Record<string, unknown>[] = role.AssumeRolePolicyDocument.Statement;
    const allowed = (action: string) => statements
      .filter((s) => s.Action === action || (s.Action as string[]).includes?.(action))
      .map((s) => s.Principal);
    const account = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::444455556666:root']] } };
    expect(allowed('sts:AssumeRole')).toEqual(expect.arrayContaining([{ AWS: ANALYST }, account]));
    expect(allowed('sts:SetSourceIdentity')).toEqual(expect.arrayContaining([{ AWS: ANALYST }, account]));
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    const piiRole = template.toJSON().Resources[logicalId(access.piiReaders!.role)].Properties;
    expect(JSON.stringify(piiRole.AssumeRolePolicyDocument)).not.toContain(ANALYST);
    expect(JSON.stringify(piiRole.AssumeRolePolicyDocument)).toContain(PII_READER);
  });

  test('a principal\'s conditions apply to assuming the role and to setting the source identity alike', () => {
    const condition = { StringEquals: { 'aws:PrincipalTag/team': 'analytics' } };
    const { access, template } = synth({ analystPrincipals: [new iam.ArnPrincipal(ANALYST).withConditions(condition)] });
    const role = template.toJSON().Resources[logicalId(access.analysts.role)];
    const statements: Record<string, unknown>[] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(statements).toHaveLength(2);
    for (const statement of statements) expect(statement).toMatchObject({ Effect: 'Allow', Principal: { AWS: ANALYST }, Condition: condition });
    expect(statements.map((s) => s.Action).sort()).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity']);
  });

  test.each([
    ['analysts', ANALYSTS_WORKGROUP_NAME, 'analysts/'],
    ['piiReaders', PII_READERS_WORKGROUP_NAME, 'pii-readers/'],
  ] as const)('%s: exactly their workgroup, the curated catalog, their results folder, the results key and GetDataAccess', (which, name, prefix) => {
    const { access, template } = synth();
    const bucket = access.resultsBucket;
    expect(rolePolicyStatements(template, access[which]!.role)).toEqual([
      {
        Sid: 'QueriesInTheWorkgroup',
        Effect: 'Allow',
        Action: [
          'athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults',
          'athena:GetWorkGroup', 'athena:ListQueryExecutions', 'athena:BatchGetQueryExecution',
        ],
        Resource: workgroupArn(name),
      },
      {
        Sid: 'CuratedCatalog',
        Effect: 'Allow',
        Action: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
        Resource: [
          glueArn('catalog'), glueArn('database/curated_orders'), glueArn('database/curated_billing'),
          glueArn('table/curated_orders/*'), glueArn('table/curated_billing/*'),
        ],
      },
      { Sid: 'ResultsBucketLocation', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: getAtt(bucket) },
      { Sid: 'ListOwnResults', Effect: 'Allow', Action: 's3:ListBucket', Resource: getAtt(bucket), Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } },
      {
        Sid: 'ReadWriteOwnResults',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        Resource: objectsArn(bucket, `/${prefix}*`),
      },
      { Sid: 'ResultsKeyThroughS3', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: getAtt(access.resultsKey), Condition: VIA_S3 },
      { Sid: 'LakeFormationCredentials', Effect: 'Allow', Action: 'lakeformation:GetDataAccess', Resource: '*' },
    ]);
  });

  test('the analyst role has nothing on the PII readers\' folder or workgroup', () => {
    const { access, template } = synth();
    const text = JSON.stringify(rolePolicyStatements(template, access.analysts.role));
    expect(text).not.toContain('pii');
  });

  test('the bucket policy lets nobody but a folder\'s own role read it, so analysts cannot read PII results', () => {
    const { access, template } = synth();
    const denies = bucketPolicyStatements(template, access.resultsBucket).filter((s) => s.Sid);
    expect(denies).toEqual([
      {
        Sid: 'OnlyTheRoleReadsAnalysts',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: objectsArn(access.resultsBucket, '/analysts/*'),
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': getAtt(access.analysts.role) } },
      },
      {
        Sid: 'OnlyTheRoleReadsPiiReaders',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: objectsArn(access.resultsBucket, '/pii-readers/*'),
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': getAtt(access.piiReaders!.role) } },
      },
    ]);
  });

  test('no role touches any bucket but the results bucket, nor any key but the results key', () => {
    const stack = new Stack(new App(), 'Others');
    const raw = new s3.Bucket(stack, 'Raw', { encryptionKey: new kms.Key(stack, 'RawKey'), encryption: s3.BucketEncryption.KMS });
    const access = new AnalystAccess(stack, 'Access', { curatedDatabaseNames: ['curated_orders'], analystPrincipals: [new iam.AccountRootPrincipal()] });
    const template = Template.fromStack(stack);
    const text = JSON.stringify(rolePolicyStatements(template, access.analysts.role));
    expect(text).not.toContain(logicalId(raw));
    expect(text).not.toContain('RawKey');
    expect(text).not.toMatch(/"s3:\*"|"kms:\*"|"athena:\*"|"glue:\*"/);
  });

  test('duplicate database names are granted once', () => {
    const { access, template } = synth({ curatedDatabaseNames: ['curated_orders', 'curated_orders'] });
    const catalog = rolePolicyStatements(template, access.analysts.role).find((s) => s.Sid === 'CuratedCatalog');
    expect(catalog?.Resource).toEqual([glueArn('catalog'), glueArn('database/curated_orders'), glueArn('table/curated_orders/*')]);
  });
});

describe('mistakes a user can make: one-line errors', () => {
  test.each<[string, Partial<AnalystAccessProps>, RegExp]>([
    ['cutoff below 10 MB', { bytesScannedCutoffPerQuery: 10_000_000 }, /^bytesScannedCutoffPerQuery: 10000000 is not allowed; .*at least 10485760 \(10 MB/],
    ['fractional cutoff', { bytesScannedCutoffPerQuery: 20_000_000.5 }, /^bytesScannedCutoffPerQuery: 20000000.5 is not allowed/],
    ['no analysts', { analystPrincipals: [] }, /^analystPrincipals: empty; pass at least one principal/],
    ['no databases', { curatedDatabaseNames: [] }, /^curatedDatabaseNames: empty; pass the curated databases/],
    ['bad database name', { curatedDatabaseNames: ['Curated-Orders'] }, /^curatedDatabaseNames: 'Curated-Orders' is not a Glue database name; use lowercase/],
    ['zero-day expiry', { resultsExpiration: Duration.days(0) }, /^resultsExpiration: 0 days is not allowed; use a whole number of days, at least 1$/],
    ['part-day expiry', { resultsExpiration: Duration.hours(36) }, /^resultsExpiration: 1 day 12 hours is not allowed/],
    ['snapshot', { removalPolicy: RemovalPolicy.SNAPSHOT }, /^removalPolicy: SNAPSHOT is not supported .*use RETAIN .* or DESTROY/],
  ])('%s', (_name, props, message) => {
    let error: Error | undefined;
    try {
      synth(props);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });

  test('an SSE-KMS log bucket is refused', () => {
    const stack = new Stack(new App(), 'Kms');
    const logs = new s3.Bucket(stack, 'Logs', { encryption: s3.BucketEncryption.KMS });
    expect(() => new AnalystAccess(stack, 'Access', {
      curatedDatabaseNames: ['curated_orders'], analystPrincipals: [new iam.AccountRootPrincipal()], serverAccessLogsBucket: logs,
    })).toThrow(/^serverAccessLogsBucket: S3 server access logs cannot be delivered to an SSE-KMS bucket; use an SSE-S3 bucket$/);
  });
});

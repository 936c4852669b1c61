import { GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { AddLFTagsToResourceCommand, GetResourceLFTagsCommand, LakeFormationClient, RevokePermissionsCommand } from '@aws-sdk/client-lakeformation';
import { mockClient } from 'aws-sdk-client-mock';
import { configFromEnvironment, handler as taggerHandler } from '../src/lake-formation/runtime/pii-tagger';
import { handler as revokeHandler } from '../src/lake-formation/runtime/revoke-iam-allowed-principals';

// the Lambda entry points build their own clients; aws-sdk-client-mock replaces every client's send
const lf = mockClient(LakeFormationClient);
const glue = mockClient(GlueClient);

beforeEach(() => {
  lf.reset();
  glue.reset();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  process.env.AWS_REGION = 'eu-west-1';
  process.env.PII_TAGGER_CONFIG = JSON.stringify({ databases: { curated_orders: { customers: ['email'] } } });
});
afterEach(() => {
  jest.restoreAllMocks();
  delete process.env.PII_TAGGER_CONFIG;
});

test('PII tagger entry point: the custom resource gets a physical id and the count; the schedule gets the count', async () => {
  glue.on(GetTablesCommand).resolves({ TableList: [{ DatabaseName: 'curated_orders', Name: 'customers', StorageDescriptor: { Columns: [{ Name: 'email' }] } }] });
  lf.on(GetResourceLFTagsCommand).resolves({});
  lf.on(AddLFTagsToResourceCommand).resolves({});
  await expect(taggerHandler({ RequestType: 'Create', ResourceProperties: {} })).resolves.toEqual({ PhysicalResourceId: 'pii-tagger-reconciled', Data: { Classified: '1' } });
  await expect(taggerHandler({ RequestType: 'Update', PhysicalResourceId: 'kept', ResourceProperties: {} })).resolves.toMatchObject({ PhysicalResourceId: 'kept' });
  await expect(taggerHandler({ action: 'reconcile' })).resolves.toEqual({ classified: 1 });
});

test('PII tagger without its configuration: one line saying who configures it', () => {
  expect(() => configFromEnvironment({})).toThrow(/^PII_TAGGER_CONFIG is not set; the PII tagger is configured by SourceGovernance$/);
});

test('revocation entry point: revokes with the default clients', async () => {
  glue.on(GetTablesCommand).resolves({ TableList: [] });
  lf.on(RevokePermissionsCommand).resolves({});
  await expect(revokeHandler({ RequestType: 'Create', ResourceProperties: { Databases: ['curated_orders'] } }))
    .resolves.toEqual({ PhysicalResourceId: 'iam-allowed-principals-revoked', Data: { Revoked: '1' } });
});

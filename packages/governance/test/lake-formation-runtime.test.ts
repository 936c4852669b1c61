import { EntityNotFoundException, GetTableCommand, GetTablesCommand, GlueClient, Table } from '@aws-sdk/client-glue';
import {
  AddLFTagsToResourceCommand, GetResourceLFTagsCommand, InvalidInputException, LakeFormationClient, RevokePermissionsCommand,
} from '@aws-sdk/client-lakeformation';
import { mockClient } from 'aws-sdk-client-mock';
import { handle as tag, PiiTaggerConfig } from '../src/lake-formation/runtime/pii-tagger';
import { handle as revoke, isNothingToRevoke } from '../src/lake-formation/runtime/revoke-iam-allowed-principals';
import { SENSITIVITY_TAG } from '../src/lake-formation/tags';

const lf = mockClient(LakeFormationClient);
const glue = mockClient(GlueClient);
const clients = () => ({ lakeFormation: new LakeFormationClient({ region: 'eu-west-1' }), glue: new GlueClient({ region: 'eu-west-1' }) });
const table = (db: string, name: string, columns: string[], partitionKeys: string[] = []): Table => ({
  DatabaseName: db, Name: name, StorageDescriptor: { Columns: columns.map((c) => ({ Name: c, Type: 'string' })) }, PartitionKeys: partitionKeys.map((c) => ({ Name: c, Type: 'string' })),
});
const nothingToRevoke = () => new InvalidInputException({ message: 'No permissions revoked. Grantee has no permissions and no grantable permissions on resource.', $metadata: {} });
const create = (properties: Record<string, unknown>) => ({ RequestType: 'Create' as const, ResourceProperties: properties });

beforeEach(() => {
  lf.reset();
  glue.reset();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('revoking IAM_ALLOWED_PRINCIPALS (custom resource)', () => {
  test('revokes on each database and on every table of every GetTables page', async () => {
    glue.on(GetTablesCommand, { DatabaseName: 'curated_orders' })
      .resolvesOnce({ TableList: [table('curated_orders', 'a', [])], NextToken: 't1' })
      .resolvesOnce({ TableList: [table('curated_orders', 'b', [])] });
    glue.on(GetTablesCommand, { DatabaseName: 'raw_orders' }).resolves({ TableList: [] });
    lf.on(RevokePermissionsCommand).resolves({});
    const answer = await revoke(create({ Databases: ['curated_orders', 'raw_orders'] }), clients());

    const inputs = lf.commandCalls(RevokePermissionsCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.Resource)).toEqual([
      { Database: { Name: 'curated_orders' } },
      { Table: { DatabaseName: 'curated_orders', Name: 'a' } },
      { Table: { DatabaseName: 'curated_orders', Name: 'b' } },
      { Database: { Name: 'raw_orders' } },
    ]);
    expect(inputs.every((i) => i.Principal?.DataLakePrincipalIdentifier === 'IAM_ALLOWED_PRINCIPALS' && i.Permissions?.join() === 'ALL')).toBe(true);
    expect(glue.commandCalls(GetTablesCommand)[1].args[0].input.NextToken).toBe('t1');
    expect(answer).toEqual({ PhysicalResourceId: 'iam-allowed-principals-revoked', Data: { Revoked: '4' } });
  });

  test('idempotent: "nothing to revoke" is success, so a second run (or an update) passes', async () => {
    glue.on(GetTablesCommand).resolves({ TableList: [table('curated_orders', 'a', [])] });
    lf.on(RevokePermissionsCommand).rejects(nothingToRevoke());
    const answer = await revoke({ RequestType: 'Update', PhysicalResourceId: 'iam-allowed-principals-revoked', ResourceProperties: { Databases: ['curated_orders'] } }, clients());
    expect(answer.Data).toEqual({ Revoked: '0' });
    expect(lf.commandCalls(RevokePermissionsCommand)).toHaveLength(2);
  });

  test('any other error fails the deploy with the API message, naming the database, on one line', async () => {
    lf.on(RevokePermissionsCommand).rejects(new InvalidInputException({ message: 'Insufficient Lake Formation permission(s)\n on curated_orders', $metadata: {} }));
    await expect(revoke(create({ Databases: ['curated_orders'] }), clients()))
      .rejects.toThrow(/^revoking IAM_ALLOWED_PRINCIPALS on database curated_orders: Insufficient Lake Formation permission\(s\) on curated_orders$/);
  });

  test('delete leaves the grants revoked: no call at all', async () => {
    const answer = await revoke({ RequestType: 'Delete', PhysicalResourceId: 'iam-allowed-principals-revoked', ResourceProperties: { Databases: ['x'] } }, clients());
    expect(answer.PhysicalResourceId).toBe('iam-allowed-principals-revoked');
    expect(lf.calls()).toHaveLength(0);
    expect(glue.calls()).toHaveLength(0);
  });

  test('only InvalidInputException "No permissions revoked" counts as nothing to revoke', () => {
    expect(isNothingToRevoke(nothingToRevoke())).toBe(true);
    expect(isNothingToRevoke(new InvalidInputException({ message: 'bad principal', $metadata: {} }))).toBe(false);
    expect(isNothingToRevoke(new Error('No permissions revoked'))).toBe(false);
  });
});

describe('PII tagger', () => {
  const config: PiiTaggerConfig = { databases: { curated_orders: { customers: ['email', 'Phone', 'ssn'] }, curated_billing: {} } };
  const customers = table('curated_orders', 'customers', ['id', 'email', 'phone'], ['region']);

  const tagCalls = () => lf.commandCalls(AddLFTagsToResourceCommand).map((c) => c.args[0].input);

  test('CreateTable event: PII columns tagged pii FIRST, then every other column general; a missing declared column is reported', async () => {
    glue.on(GetTableCommand).resolves({ Table: customers });
    lf.on(GetResourceLFTagsCommand).resolves({});
    lf.on(AddLFTagsToResourceCommand).resolves({ Failures: [] });
    const result = await tag({
      'detail-type': 'Glue Data Catalog Database State Change',
      'detail': { databaseName: 'curated_orders', typeOfChange: 'CreateTable', changedTables: ['customers'] },
    }, config, clients());

    // the table itself is never tagged: it stays unclassified, so a column added later is hidden until classified
    expect(tagCalls()).toEqual([
      { Resource: { TableWithColumns: { DatabaseName: 'curated_orders', Name: 'customers', ColumnNames: ['email', 'phone'] } }, LFTags: [{ TagKey: SENSITIVITY_TAG, TagValues: ['pii'] }] },
      { Resource: { TableWithColumns: { DatabaseName: 'curated_orders', Name: 'customers', ColumnNames: ['id', 'region'] } }, LFTags: [{ TagKey: SENSITIVITY_TAG, TagValues: ['general'] }] },
    ]);
    expect(result.classified).toEqual([{
      table: 'curated_orders.customers', piiColumnsTagged: ['email', 'phone'], generalColumnsTagged: ['id', 'region'], missingPiiColumns: ['ssn'],
    }]);
    expect((console.warn as jest.Mock).mock.calls.join('\n')).toMatch(/table curated_orders.customers: declared PII column\(s\) ssn not in the table/);
  });

  test('idempotent: tags already assigned are not written again', async () => {
    glue.on(GetTableCommand).resolves({ Table: customers });
    lf.on(GetResourceLFTagsCommand).resolves({
      LFTagsOnColumns: [
        { Name: 'email', LFTags: [{ TagKey: SENSITIVITY_TAG, TagValues: ['pii'], CatalogId: '1' }] },
        { Name: 'id', LFTags: [{ TagKey: SENSITIVITY_TAG, TagValues: ['general'], CatalogId: '1' }] },
        { Name: 'region', LFTags: [{ TagKey: SENSITIVITY_TAG, TagValues: ['general'], CatalogId: '1' }] },
      ],
    });
    lf.on(AddLFTagsToResourceCommand).resolves({});
    const result = await tag({ 'detail-type': 'Glue Data Catalog Table State Change', 'detail': { databaseName: 'curated_orders', typeOfChange: 'UpdateTable', tableName: 'customers' } }, config, clients());
    expect(tagCalls()).toEqual([
      { Resource: { TableWithColumns: { DatabaseName: 'curated_orders', Name: 'customers', ColumnNames: ['phone'] } }, LFTags: [{ TagKey: SENSITIVITY_TAG, TagValues: ['pii'] }] },
    ]);
    expect(result.classified[0]).toMatchObject({ piiColumnsTagged: ['phone'], generalColumnsTagged: [] });
    expect(lf.commandCalls(GetResourceLFTagsCommand)[0].args[0].input).toEqual({ Resource: { Table: { DatabaseName: 'curated_orders', Name: 'customers' } }, ShowAssignedLFTags: true });
  });

  test('reconcile (schedule or deploy) classifies every table of every curated database across GetTables pages; no PII: general only', async () => {
    glue.on(GetTablesCommand, { DatabaseName: 'curated_orders' })
      .resolvesOnce({ TableList: [customers], NextToken: 'p2' })
      .resolvesOnce({ TableList: [table('curated_orders', 'items', ['id'])] });
    glue.on(GetTablesCommand, { DatabaseName: 'curated_billing' }).resolves({ TableList: [table('curated_billing', 'invoices', ['id'])] });
    lf.on(GetResourceLFTagsCommand).resolves({});
    lf.on(AddLFTagsToResourceCommand).resolves({});
    const result = await tag(create({}), config, clients());
    expect(result.classified.map((c) => c.table)).toEqual(['curated_orders.customers', 'curated_orders.items', 'curated_billing.invoices']);
    expect(tagCalls().map((i) => `${i.Resource!.TableWithColumns!.Name}:${i.LFTags![0].TagValues![0]}`)).toEqual([
      'customers:pii', 'customers:general', 'items:general', 'invoices:general',
    ]);
    expect(glue.commandCalls(GetTablesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'p2', undefined]);
    const scheduled = await tag({ action: 'reconcile' }, { databases: { curated_billing: {} } }, clients());
    expect(scheduled.classified.map((c) => c.table)).toEqual(['curated_billing.invoices']);
  });

  test('a failed PII tag stops that table before any column becomes general; other tables still classified; one error at the end', async () => {
    glue.on(GetTablesCommand).resolves({ TableList: [customers, table('curated_orders', 'items', ['id'])] });
    lf.on(GetResourceLFTagsCommand).resolves({});
    lf.on(AddLFTagsToResourceCommand, { Resource: { TableWithColumns: { DatabaseName: 'curated_orders', Name: 'customers', ColumnNames: ['email', 'phone'] } } })
      .resolves({ Failures: [{ Error: { ErrorCode: 'AccessDeniedException', ErrorMessage: 'no ASSOCIATE' } }] });
    lf.on(AddLFTagsToResourceCommand, { Resource: { TableWithColumns: { DatabaseName: 'curated_orders', Name: 'items', ColumnNames: ['id'] } } }).resolves({});
    await expect(tag({ action: 'reconcile' }, { databases: { curated_orders: { customers: ['email', 'phone'] } } }, clients())).rejects.toThrow(
      'PII tagger: 1 table(s) not classified: curated_orders.customers: tagging columns email, phone of curated_orders.customers lakehouse:sensitivity=pii failed: AccessDeniedException: no ASSOCIATE',
    );
    expect(tagCalls().filter((i) => i.Resource?.TableWithColumns?.Name === 'customers').map((i) => i.LFTags![0].TagValues)).toEqual([['pii']]);
    expect(tagCalls().filter((i) => i.Resource?.TableWithColumns?.Name === 'items')).toHaveLength(1);
  });

  test('a column no longer declared PII becomes general; an already general column is left alone', async () => {
    glue.on(GetTableCommand).resolves({ Table: table('curated_orders', 'customers', ['id', 'email']) });
    lf.on(GetResourceLFTagsCommand).resolves({
      LFTagsOnColumns: [
        { Name: 'email', LFTags: [{ TagKey: SENSITIVITY_TAG, TagValues: ['pii'], CatalogId: '1' }] },
        { Name: 'id', LFTags: [{ TagKey: SENSITIVITY_TAG, TagValues: ['general'], CatalogId: '1' }] },
      ],
    });
    lf.on(AddLFTagsToResourceCommand).resolves({});
    const event = { 'detail-type': 'Glue Data Catalog Table State Change', 'detail': { databaseName: 'curated_orders', typeOfChange: 'UpdateTable', tableName: 'customers' } };
    await tag(event, { databases: { curated_orders: { customers: [] } } }, clients());
    expect(tagCalls()).toEqual([
      { Resource: { TableWithColumns: { DatabaseName: 'curated_orders', Name: 'customers', ColumnNames: ['email'] } }, LFTags: [{ TagKey: SENSITIVITY_TAG, TagValues: ['general'] }] },
    ]);
  });

  test('events for other databases, other changes or tables dropped meanwhile do nothing; Delete does nothing', async () => {
    glue.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'gone', $metadata: {} }));
    const none = [
      await tag({ 'detail-type': 'Glue Data Catalog Database State Change', 'detail': { databaseName: 'raw_orders', typeOfChange: 'CreateTable', changedTables: ['x'] } }, config, clients()),
      await tag({ 'detail-type': 'Glue Data Catalog Table State Change', 'detail': { databaseName: 'curated_orders', typeOfChange: 'CreatePartition', tableName: 'x' } }, config, clients()),
      await tag({ 'detail-type': 'Glue Data Catalog Database State Change', 'detail': { databaseName: 'curated_orders', typeOfChange: 'CreateTable', changedTables: ['x'] } }, config, clients()),
      await tag({ RequestType: 'Delete', PhysicalResourceId: 'p', ResourceProperties: {} }, config, clients()),
    ];
    expect(none.every((r) => r.classified.length === 0)).toBe(true);
    expect(lf.calls()).toHaveLength(0);
    expect(glue.commandCalls(GetTableCommand)).toHaveLength(1);
  });
});

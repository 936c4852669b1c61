import { GlueClient } from '@aws-sdk/client-glue';
import { LakeFormationClient, Resource, RevokePermissionsCommand } from '@aws-sdk/client-lakeformation';
import { CustomResourceEvent, CustomResourceResponse, oneLine } from './custom-resource';
import { tablesOf } from './glue-tables';

/** The principal Lake Formation uses for "plain IAM decides" (the backward-compatible default). */
export const IAM_ALLOWED_PRINCIPALS = 'IAM_ALLOWED_PRINCIPALS';
/** The custom resource's physical id: there is one revocation per construct, whatever the databases. */
export const REVOCATION_ID = 'iam-allowed-principals-revoked';

export interface RevokeClients {
  readonly lakeFormation: LakeFormationClient;
  readonly glue: GlueClient;
}

/** Resource properties of the custom resource. */
export interface RevokeProperties {
  /** The databases whose IAM_ALLOWED_PRINCIPALS grants (on the database and each of its tables) are revoked. */
  readonly Databases: string[];
}

let clients: RevokeClients | undefined;
function defaultClients(): RevokeClients {
  clients ??= { lakeFormation: new LakeFormationClient({}), glue: new GlueClient({}) };
  return clients;
}

/**
 * Create/Update: revokes IAM_ALLOWED_PRINCIPALS on each database and on each of its existing tables, so Lake
 * Formation grants alone decide who reads them. Idempotent: a grant already gone is success. Delete: does nothing,
 * leaving them revoked (putting plain IAM access back on delete would silently open the data).
 */
export async function handle(event: CustomResourceEvent, withClients: RevokeClients = defaultClients()): Promise<CustomResourceResponse> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId ?? REVOCATION_ID };
  const databases = (event.ResourceProperties as unknown as RevokeProperties).Databases ?? [];
  let revoked = 0;
  for (const database of databases) {
    try {
      revoked += await revoke(withClients.lakeFormation, { Database: { Name: database } });
      for await (const table of tablesOf(withClients.glue, database)) {
        revoked += await revoke(withClients.lakeFormation, { Table: { DatabaseName: database, Name: table.Name } });
      }
    } catch (e) {
      throw new Error(`revoking IAM_ALLOWED_PRINCIPALS on database ${database}: ${oneLine(e)}`);
    }
  }
  console.log(JSON.stringify({ databases, revoked }));
  return { PhysicalResourceId: REVOCATION_ID, Data: { Revoked: String(revoked) } };
}

/** Revokes ALL from IAM_ALLOWED_PRINCIPALS on `resource`: 1 if something was revoked, 0 if there was nothing. */
async function revoke(lakeFormation: LakeFormationClient, resource: Resource): Promise<number> {
  try {
    await lakeFormation.send(new RevokePermissionsCommand({
      Principal: { DataLakePrincipalIdentifier: IAM_ALLOWED_PRINCIPALS }, Resource: resource, Permissions: ['ALL'],
    }));
    return 1;
  } catch (e) {
    if (isNothingToRevoke(e)) return 0;
    throw e;
  }
}

/** *verify*: LF answers InvalidInputException "No permissions revoked. Grantee has no permissions ..." when nothing is granted. */
export function isNothingToRevoke(e: unknown): boolean {
  const error = e as { name?: string; message?: string };
  return error?.name === 'InvalidInputException' && /no permissions revoked/i.test(error.message ?? '');
}

/** The Lambda entry point (the CDK provider framework's onEvent handler). */
export async function handler(event: CustomResourceEvent): Promise<CustomResourceResponse> {
  return handle(event);
}

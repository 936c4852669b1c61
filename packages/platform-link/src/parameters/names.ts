/**
 * The version of the parameters' contract: which parameters the platform publishes and what they hold. A lakehouse
 * built for a newer contract than the deployed platform's stops before deploying, asking for the platform first.
 */
export const PLATFORM_LINK_VERSION = '1';

/** The parameters the platform publishes, by key: the name under the prefix, and whether it is a StringList. */
export const PLATFORM_PARAMETERS = {
  version: { name: 'version', list: false, description: 'Version of the platform parameters\' contract' },
  replicationSubnetIds: { name: 'network/replication-subnet-ids', list: true, description: 'Private subnets DMS replications run in' },
  replicationSecurityGroupId: {
    name: 'network/replication-security-group-id', list: false, description: 'Security group of the DMS replications (reaches the sources)',
  },
  accessLogsBucketName: { name: 'access-logs/bucket-name', list: false, description: 'Bucket of the raw zones\' server access logs' },
  warehouseBucketName: { name: 'warehouse/bucket-name', list: false, description: 'Warehouse bucket of the curated Iceberg tables' },
  warehouseKeyArn: { name: 'warehouse/key-arn', list: false, description: 'KMS key of the warehouse bucket' },
  domains: { name: 'lake-formation/domains', list: true, description: 'Values of the lakehouse:domain LF-tag: the sources the platform governs' },
  revocationServiceToken: {
    name: 'lake-formation/revocation-service-token', list: false, description: 'Service token of the IAM_ALLOWED_PRINCIPALS revocation provider',
  },
  revocationRoleArn: { name: 'lake-formation/revocation-role-arn', list: false, description: 'Role of the revocation provider (a data lake admin)' },
  alarmTopicArn: { name: 'alarms/topic-arn', list: false, description: 'SNS topic of the lakehouse alarms' },
} as const;

/** A key of {@link PLATFORM_PARAMETERS}. */
export type PlatformParameterKey = keyof typeof PLATFORM_PARAMETERS;

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The path under which a platform publishes its parameters: `/cdc-lakehouse/<environment>/platform`, or
 * `/cdc-lakehouse/default/platform` for an app synthesized without an environment.
 */
export function platformParameterPrefix(environmentName?: string): string {
  if (environmentName !== undefined && !ENVIRONMENT_NAME.test(environmentName)) {
    throw new Error(`environment name "${environmentName}": use up to 32 lowercase letters, digits and hyphens, starting with a letter`);
  }
  return `/cdc-lakehouse/${environmentName ?? 'default'}/platform`;
}

/** The full name of one parameter under a prefix, e.g. `/cdc-lakehouse/dev/platform/warehouse/bucket-name`. */
export function platformParameterName(prefix: string, key: PlatformParameterKey): string {
  return `${prefix}/${PLATFORM_PARAMETERS[key].name}`;
}

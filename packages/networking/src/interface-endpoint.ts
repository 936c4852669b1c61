import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * AWS services the lakehouse can reach through an interface VPC endpoint.
 */
export enum LakehouseInterfaceEndpoint {
  /** AWS Secrets Manager: DMS reads source database credentials from it. */
  SECRETS_MANAGER = 'secretsmanager',
  /** AWS KMS: decrypting secrets and data keys. */
  KMS = 'kms',
  /** Amazon CloudWatch Logs: task and job logs. */
  CLOUDWATCH_LOGS = 'logs',
  /** AWS Glue: catalog and jobs running inside the VPC. */
  GLUE = 'glue',
  /** Amazon Athena: queries issued from inside the VPC. */
  ATHENA = 'athena',
  /** AWS STS: role assumption from inside the VPC. */
  STS = 'sts',
}

/** Every value of {@link LakehouseInterfaceEndpoint}, in declaration order. */
export const ALL_INTERFACE_ENDPOINTS: readonly LakehouseInterfaceEndpoint[] = Object.values(LakehouseInterfaceEndpoint);

/**
 * The interface endpoints created when none are chosen: what a DMS replication into S3 needs
 * from inside private subnets. Glue and Athena run outside the VPC unless told otherwise.
 */
export const DEFAULT_INTERFACE_ENDPOINTS: readonly LakehouseInterfaceEndpoint[] = [
  LakehouseInterfaceEndpoint.SECRETS_MANAGER,
  LakehouseInterfaceEndpoint.KMS,
  LakehouseInterfaceEndpoint.CLOUDWATCH_LOGS,
  LakehouseInterfaceEndpoint.STS,
];

/** The CDK service of each endpoint. */
export function interfaceEndpointService(endpoint: LakehouseInterfaceEndpoint): ec2.InterfaceVpcEndpointAwsService {
  switch (endpoint) {
    case LakehouseInterfaceEndpoint.SECRETS_MANAGER: return ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER;
    case LakehouseInterfaceEndpoint.KMS: return ec2.InterfaceVpcEndpointAwsService.KMS;
    case LakehouseInterfaceEndpoint.CLOUDWATCH_LOGS: return ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS;
    case LakehouseInterfaceEndpoint.GLUE: return ec2.InterfaceVpcEndpointAwsService.GLUE;
    case LakehouseInterfaceEndpoint.ATHENA: return ec2.InterfaceVpcEndpointAwsService.ATHENA;
    case LakehouseInterfaceEndpoint.STS: return ec2.InterfaceVpcEndpointAwsService.STS;
  }
}

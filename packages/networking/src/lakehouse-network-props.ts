import * as logs from 'aws-cdk-lib/aws-logs';
import { LakehouseInterfaceEndpoint } from './interface-endpoint';

/**
 * How to find an existing VPC. Give exactly one of `vpcId` or `tags`.
 *
 * Looking up a VPC needs a stack with an explicit `env` (account and region).
 */
export interface ExistingVpcLookup {
  /**
   * ID of the VPC, e.g. `vpc-0123456789abcdef0`.
   *
   * @default - look up by `tags`
   */
  readonly vpcId?: string;

  /**
   * Tags the VPC carries; the lookup must match exactly one VPC.
   *
   * @default - look up by `vpcId`
   */
  readonly tags?: Record<string, string>;

  /**
   * Name of the subnet group (the `aws-cdk:subnet-name` tag) to use as the private subnets.
   *
   * @default - the VPC's isolated subnets if it has any, else its private subnets with egress
   */
  readonly subnetGroupName?: string;
}

/**
 * Properties of a {@link LakehouseNetwork}.
 */
export interface LakehouseNetworkProps {
  /**
   * Ports the source databases listen on (e.g. 5432 for PostgreSQL, 3306 for MySQL). The
   * replication security group may open connections to these ports and nothing else but HTTPS
   * to the endpoints. At least one port.
   */
  readonly sourcePorts: number[];

  /**
   * IPv4 CIDR ranges where the source databases live.
   *
   * @default - the VPC's own CIDR
   */
  readonly sourcePeerCidrs?: string[];

  /**
   * Use an existing VPC instead of creating one.
   *
   * @default - a new VPC is created: two AZs, isolated private subnets, no NAT gateway, flow logs
   */
  readonly existingVpc?: ExistingVpcLookup;

  /**
   * IPv4 CIDR of the VPC to create. Only for a created VPC.
   *
   * @default '10.40.0.0/16'
   */
  readonly vpcCidr?: string;

  /**
   * How long VPC flow logs are kept. Only for a created VPC.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * Interface endpoints to create in the private subnets.
   *
   * @default DEFAULT_INTERFACE_ENDPOINTS (Secrets Manager, KMS, CloudWatch Logs, STS)
   */
  readonly interfaceEndpoints?: LakehouseInterfaceEndpoint[];

  /**
   * Whether to create the S3 gateway endpoint. Turn off for an existing VPC that has one.
   *
   * @default true
   */
  readonly s3GatewayEndpoint?: boolean;

  /**
   * ID of the AWS-managed S3 prefix list (`com.amazonaws.<region>.s3`), so the replication
   * security group can reach S3 through the gateway endpoint on 443.
   *
   * @default - looked up by name when the stack's region is known; otherwise no S3 egress rule
   * is added and a warning says so
   */
  readonly s3PrefixListId?: string;
}

import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;

/** What a DMS replication needs of the network. */
export interface IReplicationNetwork {
  /** Private subnets the replication runs in. */
  readonly replicationSubnetIds: string[];
  /** The security group of the replication (reaches the sources' ports). */
  readonly replicationSecurityGroup: ec2.ISecurityGroup;
}

/** Attributes of a network created elsewhere (e.g. in the platform app), for {@link ReplicationNetwork.fromAttributes}. */
export interface ReplicationNetworkAttributes {
  /**
   * IDs of the private subnets the replication runs in: literal IDs, or a list token such as
   * `ssm.StringListParameter.valueForTypedListParameter(...)`. At least one.
   */
  readonly subnetIds: string[];

  /** ID of the replication security group, a literal `sg-…` or a token (e.g. read from an SSM parameter). */
  readonly securityGroupId: string;
}

/**
 * A replication network imported from plain attributes, so that a source stack in another CDK
 * app can run its replication in the subnets and behind the security group of a
 * {@link LakehouseNetwork} deployed by the platform.
 *
 * The security group is imported immutable: its rules belong to the app that created it.
 */
export class ReplicationNetwork extends Construct implements IReplicationNetwork {
  /**
   * Imports a replication network from its subnet IDs and security group ID.
   *
   * @param scope construct the imported security group goes under
   * @param id ID of the imported network
   * @param attrs the subnet IDs (literal or a list token) and the security group ID
   */
  public static fromAttributes(scope: Construct, id: string, attrs: ReplicationNetworkAttributes): IReplicationNetwork {
    validateAttributes(attrs);
    return new ReplicationNetwork(scope, id, attrs);
  }

  /** Private subnets the replication runs in. */
  public readonly replicationSubnetIds: string[];
  /** The imported replication security group (immutable). */
  public readonly replicationSecurityGroup: ec2.ISecurityGroup;

  private constructor(scope: Construct, id: string, attrs: ReplicationNetworkAttributes) {
    super(scope, id);
    this.replicationSubnetIds = Token.isUnresolved(attrs.subnetIds) ? attrs.subnetIds : [...attrs.subnetIds];
    this.replicationSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'ReplicationSecurityGroup', attrs.securityGroupId, {
      mutable: false,
    });
  }
}

function validateAttributes(attrs: ReplicationNetworkAttributes): void {
  if (!Token.isUnresolved(attrs.subnetIds)) {
    if (!Array.isArray(attrs.subnetIds) || attrs.subnetIds.length === 0) {
      throw new Error('subnetIds: give at least one private subnet ID (or a list token, e.g. from an SSM StringList parameter)');
    }
    for (const subnetId of attrs.subnetIds) {
      if (!Token.isUnresolved(subnetId) && !SUBNET_ID.test(subnetId)) {
        throw new Error(`subnetIds: '${subnetId}' is not a subnet ID; expected 'subnet-' followed by 8 to 17 hex digits`);
      }
    }
  }
  if (!Token.isUnresolved(attrs.securityGroupId) && !SECURITY_GROUP_ID.test(attrs.securityGroupId)) {
    throw new Error(`securityGroupId: '${attrs.securityGroupId}' is not a security group ID; expected 'sg-' followed by 8 to 17 hex digits`);
  }
}

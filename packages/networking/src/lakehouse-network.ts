import { Annotations, CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  ALL_INTERFACE_ENDPOINTS,
  DEFAULT_INTERFACE_ENDPOINTS,
  interfaceEndpointService,
  LakehouseInterfaceEndpoint,
} from './interface-endpoint';
import { ExistingVpcLookup, LakehouseNetworkProps } from './lakehouse-network-props';
import { IReplicationNetwork } from './replication-network';

const HTTPS = 443;
const DEFAULT_VPC_CIDR = '10.40.0.0/16';
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const PREFIX_LIST_ID = /^pl-[0-9a-f]{8,17}$/;

/**
 * The lakehouse network: a VPC (created or looked up) with private subnets in two AZs, an S3
 * gateway endpoint, interface endpoints behind a security group that admits HTTPS from inside
 * the VPC only, and a replication security group for DMS whose egress reaches only the source
 * database ports and the endpoints.
 *
 * A created VPC has isolated subnets only (no NAT gateway, no internet route): every AWS API
 * the replication needs is reached through an endpoint, and source databases through the VPC
 * or whatever the owner attaches to it (peering, VPN, Transit Gateway).
 */
export class LakehouseNetwork extends Construct implements IReplicationNetwork {
  /** The VPC, created or looked up. */
  public readonly vpc: ec2.IVpc;
  /** The private subnets replication instances and endpoints go into. */
  public readonly privateSubnets: ec2.SubnetSelection;
  /** Security group for DMS replication instances: no inbound, outbound to sources and endpoints only. */
  public readonly replicationSecurityGroup: ec2.SecurityGroup;
  /** Security group of the interface endpoints; undefined when no interface endpoint is created. */
  public readonly endpointSecurityGroup?: ec2.SecurityGroup;
  /** The S3 gateway endpoint; undefined when `s3GatewayEndpoint` is false. */
  public readonly s3Endpoint?: ec2.GatewayVpcEndpoint;
  /** The interface endpoints that were created, by service. */
  public readonly interfaceEndpoints: Partial<Record<LakehouseInterfaceEndpoint, ec2.InterfaceVpcEndpoint>> = {};
  /** The encrypted log group receiving VPC flow logs; undefined for a looked-up VPC. */
  public readonly flowLogGroup?: logs.LogGroup;
  /** The key encrypting the flow log group; undefined for a looked-up VPC. */
  public readonly flowLogKey?: kms.Key;
  /** Whether the VPC was created here (false: looked up). */
  public readonly isCreatedVpc: boolean;
  /** The VPC's IPv4 CIDR as a literal string, so security group rules stay readable and checkable. */
  public readonly vpcCidr: string;

  private readonly defaultPeerCidrs: string[];

  constructor(scope: Construct, id: string, props: LakehouseNetworkProps) {
    super(scope, id);
    validateProps(props);

    this.isCreatedVpc = props.existingVpc === undefined;
    if (props.existingVpc) {
      this.vpc = this.lookUpVpc(props.existingVpc);
      this.privateSubnets = defaultSubnetsOf(this.vpc, props.existingVpc);
      this.vpcCidr = this.vpc.vpcCidrBlock;
    } else {
      const created = this.createVpc(props);
      this.vpc = created.vpc;
      this.flowLogGroup = created.logGroup;
      this.flowLogKey = created.key;
      this.privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
      // the literal rather than the Fn::GetAtt, which rule checkers cannot read
      this.vpcCidr = props.vpcCidr ?? DEFAULT_VPC_CIDR;
    }
    this.defaultPeerCidrs = props.sourcePeerCidrs ?? [this.vpcCidr];

    if (props.s3GatewayEndpoint ?? true) {
      this.s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', {
        service: ec2.GatewayVpcEndpointAwsService.S3,
        subnets: [this.privateSubnets],
      });
    }

    const endpoints = dedupe(props.interfaceEndpoints ?? [...DEFAULT_INTERFACE_ENDPOINTS]);
    if (endpoints.length > 0) {
      const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'Interface VPC endpoints: HTTPS from inside the VPC only',
        allowAllOutbound: false,
      });
      endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(this.vpcCidr), ec2.Port.tcp(HTTPS), 'HTTPS from inside the VPC');
      this.endpointSecurityGroup = endpointSecurityGroup;
      for (const endpoint of endpoints) {
        this.interfaceEndpoints[endpoint] = this.vpc.addInterfaceEndpoint(`${pascal(endpoint)}Endpoint`, {
          service: interfaceEndpointService(endpoint),
          subnets: { ...this.privateSubnets, onePerAz: true },
          securityGroups: [endpointSecurityGroup],
          privateDnsEnabled: true,
          // the ingress rule above is the only one wanted; `open` would add another
          open: false,
        });
      }
    }

    this.replicationSecurityGroup = new ec2.SecurityGroup(this, 'ReplicationSecurityGroup', {
      vpc: this.vpc,
      description: 'DMS replication: outbound to source database ports and HTTPS to VPC endpoints only',
      allowAllOutbound: false,
    });
    for (const port of dedupe(props.sourcePorts)) {
      this.addSourcePort(port);
    }
    if (this.endpointSecurityGroup) {
      this.replicationSecurityGroup.addEgressRule(this.endpointSecurityGroup, ec2.Port.tcp(HTTPS), 'HTTPS to the interface endpoints');
    }
    this.allowS3Egress(props.s3PrefixListId);
  }

  /** IDs of the private subnets the replication runs in: those of `privateSubnets`. */
  public get replicationSubnetIds(): string[] {
    return this.vpc.selectSubnets(this.privateSubnets).subnetIds;
  }

  /**
   * Lets the replication security group open connections to a source database port.
   *
   * @param port TCP port the source database listens on
   * @param peerCidrs IPv4 CIDRs of the source; @default - `sourcePeerCidrs`, else the VPC CIDR
   */
  public addSourcePort(port: number, peerCidrs: string[] = this.defaultPeerCidrs): void {
    validatePort('port', port);
    validateCidrs('peerCidrs', peerCidrs);
    for (const cidr of peerCidrs) {
      this.replicationSecurityGroup.addEgressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(port), `Source database port ${port}`);
    }
  }

  private lookUpVpc(lookup: ExistingVpcLookup): ec2.IVpc {
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      throw new Error(
        `existingVpc: looking up a VPC needs a stack with an explicit env (account and region); stack '${stack.stackName}' is environment-agnostic`,
      );
    }
    return lookup.vpcId !== undefined
      ? ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: lookup.vpcId })
      : ec2.Vpc.fromLookup(this, 'Vpc', { tags: lookup.tags });
  }

  private createVpc(props: LakehouseNetworkProps): { vpc: ec2.Vpc; logGroup: logs.LogGroup; key: kms.Key } {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.vpcCidr ?? DEFAULT_VPC_CIDR),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      // nothing should use the default security group; strip its rules whatever the app's flags say
      restrictDefaultSecurityGroup: true,
    });
    dropRedundantProviderDependency(this, 'Custom::VpcRestrictDefaultSGCustomResourceProvider');

    const stack = Stack.of(this);
    const key = new kms.Key(this, 'FlowLogKey', {
      description: 'Encrypts the lakehouse VPC flow log group',
      enableKeyRotation: true,
    });
    // CloudWatch Logs encrypts with the key itself, so the key policy must let it, for log groups of this account only
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
      },
    }));
    const logGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      encryptionKey: key,
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    return { vpc, logGroup, key };
  }

  private allowS3Egress(s3PrefixListId: string | undefined): void {
    const stack = Stack.of(this);
    let prefixListId = s3PrefixListId;
    if (prefixListId === undefined && !Token.isUnresolved(stack.region) && !Token.isUnresolved(stack.account)) {
      prefixListId = ec2.PrefixList.fromLookup(this, 'S3PrefixList', { prefixListName: `com.amazonaws.${stack.region}.s3` }).prefixListId;
    }
    if (prefixListId === undefined) {
      Annotations.of(this).addWarningV2('@cdc-lakehouse/networking:noS3PrefixList',
        'The replication security group has no egress to S3: the stack is environment-agnostic, so the S3 prefix list '
        + 'cannot be looked up. Give the stack an explicit env or pass s3PrefixListId.');
      return;
    }
    this.replicationSecurityGroup.addEgressRule(ec2.Peer.prefixList(prefixListId), ec2.Port.tcp(HTTPS), 'HTTPS to S3 through the gateway endpoint');
  }
}

/**
 * The handler of a CDK custom resource provider gets the role's ARN by Fn::GetAtt and also
 * DependsOn the role; cfn-lint flags the redundant DependsOn (W3005), so drop it.
 */
function dropRedundantProviderDependency(scope: Construct, providerId: string): void {
  const provider = Stack.of(scope).node.tryFindChild(providerId);
  const handler = provider?.node.tryFindChild('Handler');
  const role = provider?.node.tryFindChild('Role');
  if (handler instanceof CfnResource && role instanceof CfnResource) {
    handler.removeResourceDependency(role);
  }
}

function validateProps(props: LakehouseNetworkProps): void {
  if (!Array.isArray(props.sourcePorts) || props.sourcePorts.length === 0) {
    throw new Error('sourcePorts: give at least one source database port, e.g. [5432] for PostgreSQL or [3306] for MySQL');
  }
  props.sourcePorts.forEach(port => validatePort('sourcePorts', port));
  if (props.sourcePeerCidrs !== undefined) {
    if (props.sourcePeerCidrs.length === 0) {
      throw new Error('sourcePeerCidrs: give at least one IPv4 CIDR, or leave it out to use the VPC CIDR');
    }
    validateCidrs('sourcePeerCidrs', props.sourcePeerCidrs);
  }
  if (props.vpcCidr !== undefined && !Token.isUnresolved(props.vpcCidr)) {
    validateCidrs('vpcCidr', [props.vpcCidr]);
    const mask = Number(props.vpcCidr.split('/')[1]);
    if (mask < 16 || mask > 24) {
      throw new Error(`vpcCidr: '${props.vpcCidr}' has a /${mask} mask; allowed masks are /16 to /24 (two subnets are carved out of it)`);
    }
  }
  if (props.s3PrefixListId !== undefined && !Token.isUnresolved(props.s3PrefixListId) && !PREFIX_LIST_ID.test(props.s3PrefixListId)) {
    throw new Error(`s3PrefixListId: '${props.s3PrefixListId}' is not a prefix list ID; expected 'pl-' followed by 8 to 17 hex digits`);
  }
  for (const endpoint of props.interfaceEndpoints ?? []) {
    if (!ALL_INTERFACE_ENDPOINTS.includes(endpoint)) {
      throw new Error(`interfaceEndpoints: unknown endpoint '${endpoint}'; allowed values: ${ALL_INTERFACE_ENDPOINTS.join(', ')}`);
    }
  }

  const lookup = props.existingVpc;
  if (lookup === undefined) return;
  const hasId = lookup.vpcId !== undefined;
  const hasTags = lookup.tags !== undefined;
  if (hasId === hasTags) {
    throw new Error(`existingVpc: give exactly one of vpcId or tags (got ${hasId ? 'both' : 'neither'})`);
  }
  if (hasId && !Token.isUnresolved(lookup.vpcId) && !VPC_ID.test(lookup.vpcId!)) {
    throw new Error(`existingVpc.vpcId: '${lookup.vpcId}' is not a VPC ID; expected 'vpc-' followed by 8 to 17 hex digits`);
  }
  if (hasTags && Object.keys(lookup.tags!).length === 0) {
    throw new Error('existingVpc.tags: give at least one tag to match the VPC by');
  }
  for (const prop of ['vpcCidr', 'flowLogRetention'] as const) {
    if (props[prop] !== undefined) {
      throw new Error(`${prop}: applies only to a created VPC; remove it or remove existingVpc (a looked-up VPC keeps its own ${prop === 'vpcCidr' ? 'CIDR' : 'flow logs'})`);
    }
  }
}

function validatePort(prop: string, port: number): void {
  if (Token.isUnresolved(port)) return;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${prop}: ${port} is not a TCP port; allowed values are integers from 1 to 65535`);
  }
}

function validateCidrs(prop: string, cidrs: string[]): void {
  for (const cidr of cidrs) {
    if (Token.isUnresolved(cidr)) continue;
    const match = IPV4_CIDR.exec(cidr);
    const valid = match !== null
      && match.slice(1, 5).every(octet => Number(octet) <= 255)
      && Number(match[5]) <= 32;
    if (!valid) {
      throw new Error(`${prop}: '${cidr}' is not an IPv4 CIDR such as 10.0.0.0/16`);
    }
  }
}

function defaultSubnetsOf(vpc: ec2.IVpc, lookup: ExistingVpcLookup): ec2.SubnetSelection {
  if (lookup.subnetGroupName !== undefined) return { subnetGroupName: lookup.subnetGroupName };
  return vpc.isolatedSubnets.length > 0
    ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }
    : { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
}

function dedupe<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function pascal(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_INTERFACE_ENDPOINTS, LakehouseInterfaceEndpoint, LakehouseNetwork, LakehouseNetworkProps } from '../src';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const VPC_ID = 'vpc-0a1b2c3d4e5f67890';
const S3_PREFIX_LIST = 'pl-6da54004';

/** Context the CLI would have written after looking up the VPC and the S3 prefix list. */
const LOOKUP_CONTEXT = {
  [`vpc-provider:account=${ACCOUNT}:filter.vpc-id=${VPC_ID}:region=${REGION}:returnAsymmetricSubnets=true`]: lookedUpVpc(),
  [`vpc-provider:account=${ACCOUNT}:filter.tag:team=data:region=${REGION}:returnAsymmetricSubnets=true`]: lookedUpVpc(),
  [`cc-api-provider:account=${ACCOUNT}:expectedMatchCount=exactly-one:propertiesToReturn.0=PrefixListId:propertyMatch.PrefixListName=com.amazonaws.${REGION}.s3:region=${REGION}:typeName=AWS$:$:EC2$:$:PrefixList`]:
    [{ PrefixListId: S3_PREFIX_LIST }],
};

function lookedUpVpc() {
  return {
    vpcId: VPC_ID,
    vpcCidrBlock: '172.31.0.0/16',
    availabilityZones: [],
    subnetGroups: [
      {
        name: 'data',
        type: 'Isolated',
        subnets: [
          { subnetId: 'subnet-000000000000000a1', availabilityZone: `${REGION}a`, routeTableId: 'rtb-000000000000000a1', cidr: '172.31.0.0/20' },
          { subnetId: 'subnet-000000000000000b1', availabilityZone: `${REGION}b`, routeTableId: 'rtb-000000000000000b1', cidr: '172.31.16.0/20' },
        ],
      },
      {
        name: 'apps',
        type: 'Private',
        subnets: [
          { subnetId: 'subnet-000000000000000a2', availabilityZone: `${REGION}a`, routeTableId: 'rtb-000000000000000a2', cidr: '172.31.32.0/20' },
          { subnetId: 'subnet-000000000000000b2', availabilityZone: `${REGION}b`, routeTableId: 'rtb-000000000000000b2', cidr: '172.31.48.0/20' },
        ],
      },
    ],
  };
}

function agnosticStack(): Stack {
  return new Stack(new App(), 'Network');
}

function envStack(): Stack {
  return new Stack(new App({ context: LOOKUP_CONTEXT }), 'Network', { env: { account: ACCOUNT, region: REGION } });
}

function synth(props: Partial<LakehouseNetworkProps> = {}, stack: Stack = agnosticStack()) {
  const network = new LakehouseNetwork(stack, 'Network', { sourcePorts: [5432, 3306], ...props });
  return { network, stack, template: Template.fromStack(stack) };
}

function egressRules(template: Template, securityGroupLogicalId: string): Record<string, unknown>[] {
  const group = template.toJSON().Resources[securityGroupLogicalId];
  const inline: Record<string, unknown>[] = group.Properties.SecurityGroupEgress ?? [];
  const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
    .filter(r => JSON.stringify(r.Properties.GroupId).includes(securityGroupLogicalId))
    .map(r => r.Properties as Record<string, unknown>);
  return [...inline, ...separate];
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

describe('created VPC', () => {
  test('has two isolated private subnets in two AZs, no NAT gateway and no internet gateway', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.40.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true });
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.allResourcesProperties('AWS::EC2::Subnet', {
      MapPublicIpOnLaunch: false,
      Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Isolated' }]),
    });
    const azs = Object.values(template.findResources('AWS::EC2::Subnet')).map(s => JSON.stringify(s.Properties.AvailabilityZone));
    expect(new Set(azs).size).toBe(2);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  });

  test('exposes the isolated subnets as privateSubnets and the CIDR as a literal', () => {
    const { network } = synth({ vpcCidr: '10.9.0.0/20' });
    expect(network.isCreatedVpc).toBe(true);
    expect(network.vpcCidr).toBe('10.9.0.0/20');
    expect(network.vpc.selectSubnets(network.privateSubnets).subnets).toHaveLength(2);
    expect(network.vpc.selectSubnets(network.privateSubnets).subnets).toEqual(network.vpc.isolatedSubnets);
  });

  test('restricts the default security group', () => {
    const { template } = synth();
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('sends all flow logs to a KMS-encrypted log group kept for a year', () => {
    const { network, stack, template } = synth();
    const keyId = logicalIdOf(stack, network.flowLogKey!);
    const logGroupId = logicalIdOf(stack, network.flowLogGroup!);
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      ResourceId: { Ref: logicalIdOf(stack, network.vpc as never) },
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: logGroupId },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('lets CloudWatch Logs use the flow log key only for log groups of this account and region', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Condition: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']],
              },
            },
          },
        })]),
      },
    });
  });

  test('flowLogRetention sets the log group retention', () => {
    const { template } = synth({ flowLogRetention: logs.RetentionDays.THREE_MONTHS });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });
});

describe('endpoints', () => {
  test('an S3 gateway endpoint serves the private route tables', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
      RouteTableIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('privateSubnet1RouteTable') }, { Ref: Match.stringLikeRegexp('privateSubnet2RouteTable') }]),
    });
  });

  test('s3GatewayEndpoint: false leaves it out', () => {
    const { network, template } = synth({ s3GatewayEndpoint: false });
    expect(network.s3Endpoint).toBeUndefined();
    expect(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } })).toEqual({});
  });

  test('default interface endpoints: Secrets Manager, KMS, CloudWatch Logs and STS, with private DNS', () => {
    const { network, template } = synth();
    expect(DEFAULT_INTERFACE_ENDPOINTS).toEqual([
      LakehouseInterfaceEndpoint.SECRETS_MANAGER,
      LakehouseInterfaceEndpoint.KMS,
      LakehouseInterfaceEndpoint.CLOUDWATCH_LOGS,
      LakehouseInterfaceEndpoint.STS,
    ]);
    const endpoints = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    const services = Object.values(endpoints).map(e => e.Properties.ServiceName['Fn::Join'][1][2]).sort();
    expect(services).toEqual(['.kms', '.logs', '.secretsmanager', '.sts']);
    for (const endpoint of Object.values(endpoints)) {
      expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
      expect(endpoint.Properties.SubnetIds).toHaveLength(2);
      expect(endpoint.Properties.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [logicalIdOfSg(network.endpointSecurityGroup!), 'GroupId'] }]);
    }
    expect(Object.keys(network.interfaceEndpoints).sort()).toEqual(['kms', 'logs', 'secretsmanager', 'sts']);
  });

  test('interfaceEndpoints selects the set', () => {
    const { GLUE, ATHENA } = LakehouseInterfaceEndpoint;
    const { template } = synth({ interfaceEndpoints: [GLUE, ATHENA, GLUE] });
    const endpoints = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    const services = Object.values(endpoints).map(e => e.Properties.ServiceName['Fn::Join'][1][2]).sort();
    expect(services).toEqual(['.athena', '.glue']);
  });

  test('no interface endpoints means no endpoint security group', () => {
    const { network, template } = synth({ interfaceEndpoints: [] });
    expect(network.endpointSecurityGroup).toBeUndefined();
    expect(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).toEqual({});
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
  });

  test('the endpoint security group admits HTTPS from the VPC CIDR only and sends nothing', () => {
    const { network, template } = synth();
    const group = template.toJSON().Resources[logicalIdOfSg(network.endpointSecurityGroup!)];
    expect(group.Properties.SecurityGroupIngress).toEqual([
      { CidrIp: '10.40.0.0/16', Description: 'HTTPS from inside the VPC', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' },
    ]);
    // CDK's marker for "no outbound traffic"
    expect(group.Properties.SecurityGroupEgress).toEqual([
      { CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', FromPort: 252, ToPort: 86, IpProtocol: 'icmp' },
    ]);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });
});

function logicalIdOfSg(sg: { node: { defaultChild?: unknown } }): string {
  return Stack.of(sg as never).getLogicalId(sg.node.defaultChild as never);
}

describe('replication security group', () => {
  test('egress reaches only the source ports within the VPC and HTTPS to the endpoint security group', () => {
    const { network, template } = synth();
    const sgId = logicalIdOfSg(network.replicationSecurityGroup);
    const group = template.toJSON().Resources[sgId];
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(egressRules(template, sgId)).toEqual([
      { CidrIp: '10.40.0.0/16', Description: 'Source database port 5432', FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp' },
      { CidrIp: '10.40.0.0/16', Description: 'Source database port 3306', FromPort: 3306, ToPort: 3306, IpProtocol: 'tcp' },
      {
        GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [logicalIdOfSg(network.endpointSecurityGroup!), 'GroupId'] },
        Description: 'HTTPS to the interface endpoints',
        FromPort: 443,
        ToPort: 443,
        IpProtocol: 'tcp',
      },
    ]);
  });

  test('sourcePeerCidrs and addSourcePort add rules per port and CIDR, nothing wider', () => {
    const network = new LakehouseNetwork(agnosticStack(), 'Network', {
      sourcePorts: [5432, 5432], sourcePeerCidrs: ['10.1.0.0/24', '192.168.10.0/24'], interfaceEndpoints: [],
    });
    network.addSourcePort(1521, ['10.2.0.0/24']);
    const template = Template.fromStack(Stack.of(network));
    const rules = egressRules(template, logicalIdOfSg(network.replicationSecurityGroup));
    expect(rules.map(r => `${r.CidrIp}:${r.FromPort}-${r.ToPort}/${r.IpProtocol}`)).toEqual([
      '10.1.0.0/24:5432-5432/tcp',
      '192.168.10.0/24:5432-5432/tcp',
      '10.2.0.0/24:1521-1521/tcp',
    ]);
  });

  test('an environment-agnostic stack gets no S3 egress rule and a warning saying why', () => {
    const { network, stack, template } = synth();
    const rules = egressRules(template, logicalIdOfSg(network.replicationSecurityGroup));
    expect(rules.some(r => 'DestinationPrefixListId' in r)).toBe(false);
    Annotations.fromStack(stack).hasWarning('/Network/Network', Match.stringLikeRegexp('no egress to S3.*s3PrefixListId'));
  });

  test('s3PrefixListId adds HTTPS egress to S3 through the gateway endpoint', () => {
    const { network, stack, template } = synth({ s3PrefixListId: S3_PREFIX_LIST });
    const rules = egressRules(template, logicalIdOfSg(network.replicationSecurityGroup));
    expect(rules).toContainEqual(expect.objectContaining({ DestinationPrefixListId: S3_PREFIX_LIST, FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }));
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('no egress to S3'));
  });

  test('with an explicit env the S3 prefix list is looked up from context', () => {
    const { network, template } = synth({}, envStack());
    const rules = egressRules(template, logicalIdOfSg(network.replicationSecurityGroup));
    expect(rules).toContainEqual(expect.objectContaining({ DestinationPrefixListId: S3_PREFIX_LIST, FromPort: 443, ToPort: 443 }));
  });

  test('never allows all outbound traffic', () => {
    const { network, template } = synth({}, envStack());
    const rules = egressRules(template, logicalIdOfSg(network.replicationSecurityGroup));
    expect(rules.filter(r => r.CidrIp === '0.0.0.0/0' || r.IpProtocol === '-1')).toEqual([]);
  });
});

describe('looked-up VPC', () => {
  test('by vpcId: no VPC, flow log or key is created; endpoints and groups go into the existing VPC', () => {
    const { network, template } = synth({ existingVpc: { vpcId: VPC_ID } }, envStack());
    expect(network.isCreatedVpc).toBe(false);
    expect(network.vpc.vpcId).toBe(VPC_ID);
    expect(network.flowLogGroup).toBeUndefined();
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.allResourcesProperties('AWS::EC2::SecurityGroup', { VpcId: VPC_ID });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway', VpcId: VPC_ID, RouteTableIds: ['rtb-000000000000000a1', 'rtb-000000000000000b1'],
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface', VpcId: VPC_ID, SubnetIds: ['subnet-000000000000000a1', 'subnet-000000000000000b1'],
    });
  });

  test('needs no lookup at synth time once the context is there', () => {
    const stack = envStack();
    new LakehouseNetwork(stack, 'Network', { sourcePorts: [5432], existingVpc: { vpcId: VPC_ID } });
    const assembly = (stack.node.root as App).synth();
    expect(assembly.manifest.missing).toBeUndefined();
  });

  test('uses the looked-up CIDR for the endpoint ingress and the source ports', () => {
    const { network, template } = synth({ existingVpc: { vpcId: VPC_ID } }, envStack());
    expect(network.vpcCidr).toBe('172.31.0.0/16');
    const ingress = template.toJSON().Resources[logicalIdOfSg(network.endpointSecurityGroup!)].Properties.SecurityGroupIngress;
    expect(ingress).toEqual([expect.objectContaining({ CidrIp: '172.31.0.0/16', FromPort: 443, ToPort: 443 })]);
    const rules = egressRules(template, logicalIdOfSg(network.replicationSecurityGroup));
    expect(rules).toContainEqual(expect.objectContaining({ CidrIp: '172.31.0.0/16', FromPort: 5432, ToPort: 5432 }));
  });

  test('by tags, with a chosen subnet group', () => {
    const { network, template } = synth({ existingVpc: { tags: { team: 'data' }, subnetGroupName: 'apps' } }, envStack());
    expect(network.vpc.selectSubnets(network.privateSubnets).subnetIds).toEqual(['subnet-000000000000000a2', 'subnet-000000000000000b2']);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface', SubnetIds: ['subnet-000000000000000a2', 'subnet-000000000000000b2'],
    });
  });
});

describe('validation', () => {
  test.each<[string, Partial<LakehouseNetworkProps>, RegExp]>([
    ['no source port', { sourcePorts: [] }, /^sourcePorts: give at least one source database port/],
    ['port out of range', { sourcePorts: [70000] }, /^sourcePorts: 70000 is not a TCP port; allowed values are integers from 1 to 65535/],
    ['fractional port', { sourcePorts: [54.32] }, /^sourcePorts: 54.32 is not a TCP port/],
    ['bad peer CIDR', { sourcePeerCidrs: ['10.0.0.300/24'] }, /^sourcePeerCidrs: '10.0.0.300\/24' is not an IPv4 CIDR/],
    ['empty peer CIDRs', { sourcePeerCidrs: [] }, /^sourcePeerCidrs: give at least one IPv4 CIDR/],
    ['bad VPC CIDR', { vpcCidr: '10.0.0.0' }, /^vpcCidr: '10.0.0.0' is not an IPv4 CIDR/],
    ['VPC CIDR too large', { vpcCidr: '10.0.0.0/8' }, /^vpcCidr: '10.0.0.0\/8' has a \/8 mask; allowed masks are \/16 to \/24/],
    ['unknown endpoint', { interfaceEndpoints: ['ec2' as LakehouseInterfaceEndpoint] },
      /^interfaceEndpoints: unknown endpoint 'ec2'; allowed values: secretsmanager, kms, logs, glue, athena, sts$/],
    ['bad prefix list', { s3PrefixListId: 'com.amazonaws.eu-west-1.s3' }, /^s3PrefixListId: 'com.amazonaws.eu-west-1.s3' is not a prefix list ID/],
    ['both vpcId and tags', { existingVpc: { vpcId: VPC_ID, tags: { team: 'data' } } }, /^existingVpc: give exactly one of vpcId or tags \(got both\)$/],
    ['neither vpcId nor tags', { existingVpc: {} }, /^existingVpc: give exactly one of vpcId or tags \(got neither\)$/],
    ['bad vpcId', { existingVpc: { vpcId: 'my-vpc' } }, /^existingVpc.vpcId: 'my-vpc' is not a VPC ID/],
    ['empty tags', { existingVpc: { tags: {} } }, /^existingVpc.tags: give at least one tag/],
    ['vpcCidr with a looked-up VPC', { existingVpc: { vpcId: VPC_ID }, vpcCidr: '10.1.0.0/16' }, /^vpcCidr: applies only to a created VPC/],
    ['flowLogRetention with a looked-up VPC', { existingVpc: { vpcId: VPC_ID }, flowLogRetention: logs.RetentionDays.ONE_DAY },
      /^flowLogRetention: applies only to a created VPC/],
  ])('%s', (_name, props, message) => {
    expect(() => synth(props, envStack())).toThrow(message);
  });

  test('a lookup in an environment-agnostic stack names the prop and the fix', () => {
    expect(() => synth({ existingVpc: { vpcId: VPC_ID } })).toThrow(
      /^existingVpc: looking up a VPC needs a stack with an explicit env \(account and region\); stack 'Network' is environment-agnostic$/,
    );
  });

  test('addSourcePort validates its arguments', () => {
    const { network } = synth();
    expect(() => network.addSourcePort(0)).toThrow(/^port: 0 is not a TCP port/);
    expect(() => network.addSourcePort(5432, ['any'])).toThrow(/^peerCidrs: 'any' is not an IPv4 CIDR/);
  });
});

describe('template hygiene', () => {
  test('the default-security-group provider handler has no DependsOn its role, only the GetAtt (cfn-lint W3005)', () => {
    const { template } = synth();
    const handlers = template.findResources('AWS::Lambda::Function');
    const [handlerId, handler] = Object.entries(handlers).find(([id]) => id.startsWith('CustomVpcRestrictDefaultSG'))!;
    expect(handlerId).toBeDefined();
    expect(handler.DependsOn).toBeUndefined();
    expect(handler.Properties.Role).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CustomVpcRestrictDefaultSGCustomResourceProviderRole/), 'Arn'] });
  });
});

import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsCustomResource, AwsCustomResourcePolicy, Logging, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { DmsAccountRolesProps } from './account-roles-props';

/** The trust policy DMS documents for its account-wide roles. */
const DMS_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'dms.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Construct path of the Lambda function every `AwsCustomResource` of a stack shares. */
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

const SINGLETON_ID = 'DmsAccountRoles';

interface AccountRoleSpec {
  readonly id: string;
  readonly roleName: string;
  readonly managedPolicyName: string;
  readonly description: string;
}

/**
 * The two account-wide IAM roles DMS looks up by fixed name: `dms-vpc-role` (managed policy
 * `service-role/AmazonDMSVPCManagementRole`) and `dms-cloudwatch-logs-role` (managed policy
 * `service-role/AmazonDMSCloudWatchLogsRole`).
 *
 * Plain `iam.Role` resources would fail the second stack (or account) that declares them with
 * "already exists", and would delete the roles from under every other replication when their
 * stack is deleted. So each role is created by an `AwsCustomResource` calling IAM `CreateRole`
 * (ignoring `EntityAlreadyExists`) and then `AttachRolePolicy` (idempotent):
 *
 * - create: the role is created if missing; an existing role is left as it is, and the managed
 *   policy is (re)attached to it;
 * - update: nothing happens;
 * - delete: nothing happens, on purpose: the roles are shared by every DMS resource of the
 *   account and region, so removing a stack must not remove them. Delete them by hand when the
 *   account no longer uses DMS.
 *
 * The custom resource's function may call exactly `iam:CreateRole` on the two role ARNs and
 * `iam:AttachRolePolicy` of the two managed policies on them.
 *
 * Resources that need the roles (the replication subnet group, the replication config) must depend
 * on this construct: `DmsServerlessReplication` does so when given `accountRoles`.
 *
 * If the account already has both roles (created by the console, another tool or an administrator),
 * do not instantiate this construct (`createAccountRoles: false` on the source constructs).
 */
export class DmsAccountRoles extends Construct {
  /** Fixed name of the role DMS uses to manage VPC resources. */
  public static readonly VPC_ROLE_NAME = 'dms-vpc-role';

  /** Fixed name of the role DMS uses to write logs to CloudWatch Logs. */
  public static readonly CLOUDWATCH_LOGS_ROLE_NAME = 'dms-cloudwatch-logs-role';

  /**
   * The `DmsAccountRoles` of the stack that contains `scope`, created on first use, so that several
   * sources in one stack share one set of custom resources.
   */
  public static getOrCreate(scope: IConstruct): DmsAccountRoles {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SINGLETON_ID);
    if (existing instanceof DmsAccountRoles) {
      return existing;
    }
    return new DmsAccountRoles(stack, SINGLETON_ID);
  }

  /** ARN of `dms-vpc-role`. */
  public readonly vpcRoleArn: string;

  /** ARN of `dms-cloudwatch-logs-role`. */
  public readonly cloudWatchLogsRoleArn: string;

  constructor(scope: Construct, id: string, props: DmsAccountRolesProps = {}) {
    super(scope, id);
    this.vpcRoleArn = this.roleArn(DmsAccountRoles.VPC_ROLE_NAME);
    this.cloudWatchLogsRoleArn = this.roleArn(DmsAccountRoles.CLOUDWATCH_LOGS_ROLE_NAME);

    if (props.createVpcRole ?? true) {
      this.ensureRole({
        id: 'VpcRole',
        roleName: DmsAccountRoles.VPC_ROLE_NAME,
        managedPolicyName: 'service-role/AmazonDMSVPCManagementRole',
        description: 'Lets AWS DMS manage VPC resources (subnet groups, network interfaces)',
      });
    }
    if (props.createCloudWatchLogsRole ?? true) {
      this.ensureRole({
        id: 'CloudWatchLogsRole',
        roleName: DmsAccountRoles.CLOUDWATCH_LOGS_ROLE_NAME,
        managedPolicyName: 'service-role/AmazonDMSCloudWatchLogsRole',
        description: 'Lets AWS DMS write replication logs to CloudWatch Logs',
      });
    }
    this.acknowledgeProviderFindings();
  }

  private roleArn(roleName: string): string {
    return Stack.of(this).formatArn({ service: 'iam', region: '', resource: 'role', resourceName: roleName });
  }

  private ensureRole(spec: AccountRoleSpec): void {
    const roleArn = this.roleArn(spec.roleName);
    const policyArn = iam.ManagedPolicy.fromAwsManagedPolicyName(spec.managedPolicyName).managedPolicyArn;

    const create = new AwsCustomResource(this, `Create${spec.id}`, {
      resourceType: 'Custom::DmsAccountRole',
      installLatestAwsSdk: false,
      onCreate: {
        service: 'IAM',
        action: 'createRole',
        logging: Logging.withDataHidden(),
        parameters: {
          RoleName: spec.roleName,
          AssumeRolePolicyDocument: DMS_TRUST_POLICY,
          Description: spec.description,
        },
        physicalResourceId: PhysicalResourceId.of(spec.roleName),
        // The role is account-wide: another stack, account bootstrap or the console may have made it.
        ignoreErrorCodesMatching: 'EntityAlreadyExists',
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['iam:CreateRole'], resources: [roleArn] }),
      ]),
    });

    const attach = new AwsCustomResource(this, `Attach${spec.id}Policy`, {
      resourceType: 'Custom::DmsAccountRolePolicy',
      installLatestAwsSdk: false,
      onCreate: {
        service: 'IAM',
        action: 'attachRolePolicy',
        logging: Logging.withDataHidden(),
        parameters: { RoleName: spec.roleName, PolicyArn: policyArn },
        physicalResourceId: PhysicalResourceId.of(`${spec.roleName}:${spec.managedPolicyName}`),
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['iam:AttachRolePolicy'],
          resources: [roleArn],
          conditions: { ArnEquals: { 'iam:PolicyARN': policyArn } },
        }),
      ]),
    });
    attach.node.addDependency(create);
  }

  /** The cdk-nag finding on the function CDK provides for every `AwsCustomResource`, with the reason. */
  private acknowledgeProviderFindings(): void {
    const provider = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID);
    if (!provider) {
      return;
    }
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AwsCustomResource provider function (CDK-owned) only needs to write its own logs; AWSLambdaBasicExecutionRole grants exactly that.',
    });
  }
}

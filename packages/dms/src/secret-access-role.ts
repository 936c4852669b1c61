import { Arn, ArnComponents, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { dmsServicePrincipal } from './dms-principal';
import { DmsSecretAccessRoleProps } from './secret-access-role-props';

const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const FULL_ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * The role DMS assumes to read one source's connection secret: `secretsmanager:GetSecretValue` and
 * `secretsmanager:DescribeSecret` on exactly that secret, and `kms:Decrypt` only when a
 * customer-managed key is named. It is the `secretsManagerAccessRoleArn` of a source endpoint.
 */
export class DmsSecretAccessRole extends Construct {
  /** The role. */
  public readonly role: iam.Role;

  /** The secret as given, for the endpoint's `secretsManagerSecretId` (DMS accepts a name or an ARN). */
  public readonly secretId: string;

  /** The ARN (pattern) the role's policy is scoped to. */
  public readonly secretArnPattern: string;

  /** The role's policy: an endpoint using the role should depend on it. */
  public readonly policy: iam.Policy;

  constructor(scope: Construct, id: string, props: DmsSecretAccessRoleProps) {
    super(scope, id);
    const owner = props.owner ?? 'DmsSecretAccessRole';
    const stack = Stack.of(this);
    this.secretId = props.secret;
    this.secretArnPattern = secretArnPattern(stack, props.secret, owner);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: dmsServicePrincipal(this),
      description: 'Lets AWS DMS read the connection secret of one source endpoint',
    });
    const statements = [new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [this.secretArnPattern],
    })];
    if (props.secretKmsKeyArn !== undefined) {
      validateKeyArn(props.secretKmsKeyArn, owner);
      statements.push(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.secretKmsKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }));
    }
    this.policy = new iam.Policy(this, 'Policy', { roles: [this.role], statements });
  }

  /** ARN of the role. */
  public get roleArn(): string {
    return this.role.roleArn;
  }
}

function secretArnPattern(stack: Stack, secret: string, owner: string): string {
  if (Token.isUnresolved(secret)) {
    return secret;
  }
  if (secret.startsWith('arn:')) {
    const parts = splitArn(secret);
    if (parts?.service !== 'secretsmanager' || parts.resource !== 'secret' || !parts.resourceName) {
      throw new Error(`${owner}: secret "${secret}" is not a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>)`);
    }
    return FULL_ARN_SUFFIX.test(parts.resourceName) ? secret : `${secret}-??????`;
  }
  if (!SECRET_NAME_PATTERN.test(secret)) {
    throw new Error(`${owner}: secret "${secret}" is neither a secret ARN nor a valid secret name (1-512 of letters, digits and /_+=.@-)`);
  }
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${secret}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function splitArn(arn: string): ArnComponents | undefined {
  try {
    return Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME);
  } catch {
    return undefined;
  }
}

function validateKeyArn(keyArn: string, owner: string): void {
  if (Token.isUnresolved(keyArn)) {
    return;
  }
  if (!/^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(keyArn)) {
    throw new Error(`${owner}: secretKmsKeyArn "${keyArn}" is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key-id>)`);
  }
}

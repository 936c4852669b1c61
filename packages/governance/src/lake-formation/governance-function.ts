import * as fs from 'node:fs';
import * as path from 'node:path';
import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Props of {@link GovernanceFunction}. @internal */
export interface GovernanceFunctionProps {
  /** The handler's file name in `runtime/`, without extension. */
  readonly handlerFile: string;
  readonly description: string;
  readonly environment?: Record<string, string>;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
}

/**
 * A Lambda of the governance runtime (Node.js 24, bundled with esbuild, `@aws-sdk/*` from the runtime) with a role of
 * its own that may write only to the function's log group, and an encrypted environment.
 *
 * @internal
 */
export class GovernanceFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GovernanceFunctionProps) {
    super(scope, id);
    const envKey = new kms.Key(this, 'EnvironmentKey', { description: `Encrypts the environment of: ${props.description}`, enableKeyRotation: true });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    // a role of its own: the managed AWSLambdaBasicExecutionRole would let it write to every log group
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] }));
    acknowledgeResource(this.role, 'AwsSolutions-IAM5', `${logGroup.logGroupArn}:*`, 'Lambda names its log streams itself; only this function\'s log group.');
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.handlerFile),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.minutes(5),
      description: props.description,
      environmentEncryption: envKey,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      logGroup,
      role: this.role,
      bundling: { minify: true, sourceMap: true, target: 'node22', externalModules: ['@aws-sdk/*'] },
    });
  }
}

/** The handler's source in `runtime/` (TypeScript in the repository, JavaScript in `lib/`). */
function handlerEntry(file: string): string {
  for (const name of [`${file}.ts`, `${file}.js`]) {
    const candidate = path.join(__dirname, 'runtime', name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`the governance handler ${file} is missing next to ${__dirname}; build @cdc-lakehouse/governance`);
}

import { AnalystAccess, GovernedSource, LakeFormationGovernance } from '@cdc-lakehouse/governance';
import { dataRemoval } from '@cdc-lakehouse/raw-zone';
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { GovernanceConfig } from './config';
import type { PlatformStack } from './platform-stack';

/** Properties of the {@link GovernanceStack}. */
export interface GovernanceStackProps extends StackProps {
  /** The platform: its warehouse (bucket, key, curated databases) and its access log bucket. */
  readonly platform: PlatformStack;
  /** Every source as its stack describes itself: buckets, databases, PII columns, writers. */
  readonly sources: readonly GovernedSource[];
  /** Admins and who may assume the analyst and PII-reader roles. */
  readonly config: GovernanceConfig;
}

/** An account ID becomes that account's principal, an ARN that role or user. */
function principalOf(value: string): iam.IPrincipal {
  return /^\d{12}$/.test(value) ? new iam.AccountPrincipal(value) : new iam.ArnPrincipal(value);
}

/**
 * Governs the lake: Lake Formation settings (admins appended, the deploy role kept), the raw zones and the warehouse
 * registered, LF-tags per source and on PII columns, grants by tag to the curation engines; and the analysts' side:
 * an analyst role and (when configured) a PII-reader role, each with its own Athena workgroup and results prefix.
 *
 * Deployed after the platform and the source stacks, whose buckets, databases and roles it governs.
 */
export class GovernanceStack extends Stack {
  /** Lake Formation settings, locations, tags and grants. */
  public readonly lakeFormation: LakeFormationGovernance;
  /** The analysts' and PII readers' roles, workgroups and results bucket. */
  public readonly access: AnalystAccess;

  constructor(scope: Construct, id: string, props: GovernanceStackProps) {
    super(scope, id, props);
    const warehouse = props.platform.warehouse;
    this.lakeFormation = new LakeFormationGovernance(this, 'LakeFormation', {
      sources: props.sources,
      warehouseBucket: warehouse.bucket,
      warehouseEncryptionKey: warehouse.encryptionKey,
      admins: props.config.lakeFormationAdmins,
    });
    const analysts = props.config.analystPrincipals ?? [];
    this.access = new AnalystAccess(this, 'Access', {
      curatedDatabaseNames: props.sources.map((s) => s.curatedDatabaseName),
      analystPrincipals: analysts.length > 0 ? analysts.map(principalOf) : [new iam.AccountRootPrincipal()],
      piiReaderPrincipals: props.config.piiReaderPrincipals?.map(principalOf),
      bytesScannedCutoffPerQuery: props.config.bytesScannedCutoffPerQuery,
      serverAccessLogsBucket: props.platform.accessLogs.bucket,
      // the analysts' results follow the lakehouse's removal flag (an environment's `removal`), like every bucket
      removalPolicy: dataRemoval(this).removalPolicy,
    });
    this.lakeFormation.grantReaders(this.access.analysts.role, { pii: false });
    new CfnOutput(this, 'AnalystRoleArn', { value: this.access.analysts.role.roleArn, description: 'Role analysts assume to query the curated tables' });
    new CfnOutput(this, 'AnalystWorkgroup', {
      value: this.access.analysts.workgroupName,
      description: 'Athena workgroup of the analyst role: lakehouse query --athena --workgroup <value> "SQL"',
    });
    if (this.access.piiReaders) {
      this.lakeFormation.grantReaders(this.access.piiReaders.role, { pii: true });
      new CfnOutput(this, 'PiiReaderRoleArn', { value: this.access.piiReaders.role.roleArn, description: 'Role that also reads the PII columns' });
      new CfnOutput(this, 'PiiReaderWorkgroup', { value: this.access.piiReaders.workgroupName, description: 'Athena workgroup of the PII-reader role' });
    }
  }
}

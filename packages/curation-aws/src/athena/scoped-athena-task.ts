import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** Props of {@link ScopedAthenaStartQueryExecution}. */
export interface ScopedAthenaStartQueryExecutionProps {
  /** The statement (a JSONPath into the state). */
  readonly queryString: string;
  /** The workgroup (its configuration is enforced: results location and encryption come from it). */
  readonly workGroup: string;
}

/**
 * `athena:startQueryExecution.sync` with a policy of its own. The CDK task (aws-cdk-lib 2.276) grants, for a
 * workgroup without an explicit result location: `athena:startQueryExecution/getQueryExecution/getDataCatalog`;
 * `s3:CreateBucket, ListBucket, GetBucketLocation, GetObject` and `s3:PutObject, AbortMultipartUpload, …` on `*`;
 * `lakeformation:GetDataAccess` on `*`; and 19 Glue actions including `glue:DeleteDatabase`, `DeleteTable`,
 * `BatchDeleteTable`, `DeletePartition`, `BatchDeletePartition` on the catalog, `database/default` and
 * `table/default/*`. It lacks `athena:StopQueryExecution` (Step Functions stops the query when the execution is
 * stopped) and any KMS action for encrypted results.
 *
 * Here the task keeps only the Athena actions, on this workgroup and the default data catalog, plus
 * `athena:StopQueryExecution` and `athena:GetQueryResults`, and `lakeformation:GetDataAccess` (no resource-level
 * permissions). Everything else — results folder, KMS, the catalog entries and data of the tables the statements
 * touch — is granted scoped by {@link AthenaCurationWorkflow.grantStatements}.
 */
export class ScopedAthenaStartQueryExecution extends tasks.AthenaStartQueryExecution {
  constructor(scope: Construct, id: string, props: ScopedAthenaStartQueryExecutionProps) {
    super(scope, id, {
      queryString: props.queryString,
      workGroup: props.workGroup,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: sfn.JsonPath.DISCARD,
    });
    const stack = Stack.of(this);
    const athenaArn = (resource: string) => `arn:${stack.partition}:athena:${stack.region}:${stack.account}:${resource}`;
    const statements = [
      new iam.PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryResults'],
        resources: [athenaArn(`workgroup/${props.workGroup}`)],
      }),
      new iam.PolicyStatement({ actions: ['athena:GetDataCatalog'], resources: [athenaArn('datacatalog/AwsDataCatalog')] }),
      new iam.PolicyStatement({ actions: ['lakeformation:GetDataAccess'], resources: ['*'] }),
    ];
    // the base class computes its statements in its constructor; they become the state machine role's policy at binding
    (this as unknown as { taskPolicies: iam.PolicyStatement[] }).taskPolicies = statements;
  }
}

import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { AthenaCurationWorkflow } from '../athena/athena-curation-workflow';
import { GlueCurationJob } from '../glue/glue-curation-job';

/** What an engine contributes to a source's curation state machine. */
export interface CurationEngineBinding {
  /** `glue` or `athena`. */
  readonly name: 'glue' | 'athena';
  /** The states of one curation round (run inside a Parallel whose failure releases the lock). */
  readonly chain: sfn.IChainable;
  /** The Glue job, for the Glue engine (its failures get an alarm of their own). */
  readonly glueJob?: GlueCurationJob;
  /** Grants the state machine's role what the engine's states need beyond their own task policies. */
  readonly grant?: (grantee: iam.IGrantable) => void;
}

/** Options of {@link CurationEngine.glue}. */
export interface GlueEngineOptions {
  /**
   * Whether the job runs its spec's maintenance statements (compaction, snapshot expiry) after each table's changes
   * (the job argument `--maintenance`). Leave it off for tables maintained by Glue table optimizers.
   * @default true
   */
  readonly maintenance?: boolean;
}

/** Options of {@link CurationEngine.athena}. */
export interface AthenaEngineOptions {
  /**
   * States run after the workflow, e.g. {@link AthenaMaintenance} (`OPTIMIZE` / `VACUUM`) for tables whose
   * maintenance is `sql`.
   * @default none
   */
  readonly after?: sfn.IChainable;
  /**
   * Called with the state machine's role after the workflow's grants, e.g. to acknowledge its scoped wildcards.
   * @default nothing more
   */
  readonly grant?: (grantee: iam.IGrantable) => void;
}

/** The engine that curates a source: the Glue job (`.sync`) or the Athena workflow. */
export abstract class CurationEngine {
  /** Starts the source's Glue job and waits for it (`glue:startJobRun.sync`). */
  public static glue(job: GlueCurationJob, options: GlueEngineOptions = {}): CurationEngine {
    return new GlueEngine(job, options);
  }

  /** Runs the Athena workflow (the source's `AthenaCurationWorkflow` fragment), then `options.after`. */
  public static athena(workflow: AthenaCurationWorkflow, options: AthenaEngineOptions = {}): CurationEngine {
    return new AthenaEngine(workflow, options);
  }

  /** Creates the engine's states in `scope`. */
  public abstract bind(scope: Construct): CurationEngineBinding;
}

class GlueEngine extends CurationEngine {
  constructor(private readonly job: GlueCurationJob, private readonly options: GlueEngineOptions) {
    super();
  }

  public bind(scope: Construct): CurationEngineBinding {
    const run = new tasks.GlueStartJobRun(scope, 'Run Glue job', {
      comment: `Curate every table of source ${this.job.sourceName} (Glue job, waits for the run)`,
      glueJobName: this.job.job.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      arguments: sfn.TaskInput.fromObject({ '--maintenance': String(this.options.maintenance ?? true) }),
      resultSelector: { 'JobRunId.$': '$.Id', 'JobRunState.$': '$.JobRunState' },
      resultPath: '$.glueJobRun',
    });
    // the lock keeps this state machine's runs apart; a run started by hand may still hold the job's one slot
    run.addRetry({ errors: ['Glue.ConcurrentRunsExceededException'], interval: Duration.minutes(1), maxAttempts: 5, backoffRate: 2 });
    run.addRetry({ errors: ['Glue.ThrottlingException', 'Glue.InternalServiceException'], maxAttempts: 3, backoffRate: 2 });
    return { name: 'glue', chain: run, glueJob: this.job };
  }
}

class AthenaEngine extends CurationEngine {
  constructor(private readonly workflow: AthenaCurationWorkflow, private readonly options: AthenaEngineOptions) {
    super();
  }

  public bind(_scope: Construct): CurationEngineBinding {
    const chain = this.options.after ? sfn.Chain.start(this.workflow).next(this.options.after) : this.workflow;
    // the workflow's tasks carry only Athena actions: the data, catalog and results access is granted here
    return {
      name: 'athena',
      chain,
      grant: (grantee) => {
        this.workflow.grantStatements(grantee);
        this.options.grant?.(grantee);
      },
    };
  }
}

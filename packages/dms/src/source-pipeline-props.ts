import * as dms from 'aws-cdk-lib/aws-dms';
import { DmsSourceProps } from './source-props';

/** Properties of {@link DmsSourcePipeline}. */
export interface DmsSourcePipelineProps extends Omit<DmsSourceProps, 'secret' | 'secretKmsKeyArn' | 'sslMode' | 'allowUnencrypted' | 'certificateArn'> {
  /** The source endpoint the replication reads from. */
  readonly sourceEndpoint: dms.CfnEndpoint;

  /**
   * Who is asking, for error messages (e.g. `PostgresSource`).
   *
   * @default 'DmsSourcePipeline'
   */
  readonly owner?: string;
}

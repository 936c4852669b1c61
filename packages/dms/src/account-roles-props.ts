/** Properties of {@link DmsAccountRoles}. */
export interface DmsAccountRolesProps {
  /**
   * Create `dms-vpc-role` (DMS needs it to create the replication subnet group and the network
   * interfaces of a replication).
   *
   * @default true
   */
  readonly createVpcRole?: boolean;

  /**
   * Create `dms-cloudwatch-logs-role` (DMS needs it to write replication logs to CloudWatch Logs).
   *
   * @default true
   */
  readonly createCloudWatchLogsRole?: boolean;
}

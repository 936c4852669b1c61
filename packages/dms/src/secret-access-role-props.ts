/** Properties of {@link DmsSecretAccessRole}. */
export interface DmsSecretAccessRoleProps {
  /**
   * The Secrets Manager secret holding the source's connection details, by name or ARN.
   *
   * DMS reads `host`, `port`, `username` and `password` (plus optional `dbname`) from its JSON
   * value, so no password ever appears in a template.
   *
   * - a name (`prod/billing/dms`) is scoped as `arn:…:secret:prod/billing/dms-??????` (Secrets Manager
   *   appends six random characters to every secret ARN);
   * - a complete ARN (ending in `-` and six characters) is scoped as given;
   * - an ARN without that suffix is treated as a partial ARN and gets `-??????`;
   * - a token (e.g. `secret.secretArn`) is taken to be a complete ARN.
   */
  readonly secret: string;

  /**
   * ARN of the customer-managed KMS key that encrypts the secret. When given, the role may
   * `kms:Decrypt` with it, through Secrets Manager only.
   *
   * @default - the secret uses the AWS-managed `aws/secretsmanager` key, which needs no grant
   */
  readonly secretKmsKeyArn?: string;

  /**
   * Who is asking, for error messages (e.g. `PostgresSource "billing"`).
   *
   * @default 'DmsSecretAccessRole'
   */
  readonly owner?: string;
}

import { Token } from 'aws-cdk-lib';

/**
 * How a DMS source endpoint protects its connection (DMS `sslMode`):
 * - `require`: TLS, server certificate not checked;
 * - `verify-ca`: TLS, certificate signed by the CA in `certificateArn`;
 * - `verify-full`: as `verify-ca`, and the host name must match the certificate;
 * - `none`: no TLS (refused unless `allowUnencrypted: true`).
 */
export type DmsSslMode = 'require' | 'verify-ca' | 'verify-full' | 'none';

/** TLS settings shared by the source constructs. */
export interface DmsSourceTlsProps {
  /**
   * TLS mode of the connection to the source.
   *
   * @default 'require'
   */
  readonly sslMode?: DmsSslMode;

  /**
   * Allow `sslMode: 'none'`: credentials and data cross the network in clear text. Only for a
   * source that cannot do TLS at all, inside a network you trust.
   *
   * @default false
   */
  readonly allowUnencrypted?: boolean;

  /**
   * ARN of the DMS certificate (`AWS::DMS::Certificate`, the CA bundle, e.g. the RDS global bundle)
   * used to verify the server. Required with `verify-ca` and `verify-full`.
   *
   * @default - none (allowed with `require` only)
   */
  readonly certificateArn?: string;
}

/** The endpoint fields resolved from {@link DmsSourceTlsProps}. */
export interface ResolvedTls {
  /** The endpoint's `sslMode`. */
  readonly sslMode: DmsSslMode;
  /** The endpoint's `certificateArn`, if any. */
  readonly certificateArn?: string;
}

const SSL_MODES: readonly DmsSslMode[] = ['require', 'verify-ca', 'verify-full', 'none'];

/**
 * Validates TLS settings: `require` by default; `verify-*` need a certificate; `none` needs
 * `allowUnencrypted: true`.
 *
 * @param owner who is asking, for error messages
 */
export function resolveTls(owner: string, props: DmsSourceTlsProps): ResolvedTls {
  const sslMode = props.sslMode ?? 'require';
  if (!SSL_MODES.includes(sslMode)) {
    throw new Error(`${owner}: sslMode "${sslMode}" is not supported; allowed values: ${SSL_MODES.join(', ')}`);
  }
  if (sslMode === 'none' && props.allowUnencrypted !== true) {
    throw new Error(
      `${owner}: sslMode "none" sends credentials and data unencrypted; use "require", "verify-ca" or "verify-full", `
      + 'or set allowUnencrypted: true if the source cannot do TLS',
    );
  }
  if ((sslMode === 'verify-ca' || sslMode === 'verify-full') && props.certificateArn === undefined) {
    throw new Error(`${owner}: sslMode "${sslMode}" verifies the server against a CA: set certificateArn to an AWS::DMS::Certificate with the CA bundle`);
  }
  if (props.certificateArn !== undefined && !Token.isUnresolved(props.certificateArn) && !/^arn:[a-z-]+:dms:[a-z0-9-]+:\d{12}:cert:.+$/.test(props.certificateArn)) {
    throw new Error(`${owner}: certificateArn "${props.certificateArn}" is not a DMS certificate ARN (arn:<partition>:dms:<region>:<account>:cert:<id>)`);
  }
  return { sslMode, certificateArn: props.certificateArn };
}

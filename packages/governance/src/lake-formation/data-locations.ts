import { acknowledgeAction, acknowledgeResource } from '@cdc-lakehouse/nag-support';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** A bucket to register, with its key. @internal */
export interface LocationBucket {
  readonly id: string;
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
}

/**
 * Registers buckets as Lake Formation locations with a registration role of our own (KMS-encrypted buckets need
 * one; the service-linked role cannot use customer keys, and a location cannot switch roles later). The role may
 * read, write and list exactly those buckets and use exactly their keys.
 *
 * @internal
 */
export class DataLocations extends Construct {
  public readonly registrationRole: iam.Role;
  public readonly locations: lakeformation.CfnResource[] = [];

  constructor(scope: Construct, id: string, buckets: readonly LocationBucket[]) {
    super(scope, id);
    this.registrationRole = new iam.Role(this, 'RegistrationRole', {
      assumedBy: new iam.ServicePrincipal('lakeformation.amazonaws.com'),
      description: 'Lake Formation reads and writes the lakehouse buckets with this role when it vends credentials',
    });
    const unique = <T>(items: T[]) => [...new Set(items)];
    const bucketArns = unique(buckets.map((b) => b.bucket.bucketArn));
    const objectArns = unique(buckets.map((b) => b.bucket.arnForObjects('*')));
    const keyArns = unique(buckets.map((b) => b.key.keyArn));
    this.registrationRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: bucketArns }));
    this.registrationRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: objectArns }));
    this.registrationRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*'], resources: keyArns }));
    for (const arn of objectArns) {
      acknowledgeResource(this.registrationRole, 'AwsSolutions-IAM5', arn, 'Lake Formation vends access to any table of the registered bucket; LF grants scope it.');
    }
    acknowledgeAction(this.registrationRole, 'AwsSolutions-IAM5', 'kms:GenerateDataKey*',
      'GenerateDataKey and GenerateDataKeyWithoutPlaintext, on the lakehouse bucket keys only.');
    for (const { id: locationId, bucket } of buckets) {
      this.locations.push(new lakeformation.CfnResource(this, locationId, {
        resourceArn: bucket.bucketArn,
        useServiceLinkedRole: false,
        roleArn: this.registrationRole.roleArn,
      }));
    }
  }
}

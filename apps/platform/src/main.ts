import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PLATFORM_CONFIG, platformEnv } from './config';
import { PlatformStack } from './platform-stack';

const app = new App();
new PlatformStack(app, 'CdcLakehousePlatform', {
  env: platformEnv(),
  description: 'CDC lakehouse platform: network and raw zones',
  config: PLATFORM_CONFIG,
});
// cdk-nag 3 is a policy-validation plugin: any unacknowledged AwsSolutions finding fails synth
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

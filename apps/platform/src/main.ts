import { platformEnv } from '@cdc-lakehouse/app-config';
import { App } from 'aws-cdk-lib';
import { buildPlatformApp } from './platform-app';

buildPlatformApp(new App(), { env: platformEnv() });

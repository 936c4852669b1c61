import { App } from 'aws-cdk-lib';
import { platformEnv } from './config';
import { buildLakehouseApp } from './lakehouse-app';

buildLakehouseApp(new App(), { env: platformEnv() });

import { platformEnv } from '@cdc-lakehouse/app-config';
import { App } from 'aws-cdk-lib';
import { buildLakehouseApp } from './lakehouse-app';

buildLakehouseApp(new App(), { env: platformEnv() });

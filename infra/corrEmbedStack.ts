// The CorrEmbed stack: network, database, bucket, the Lambda functions, the HTTP API, the Fargate service, and optionally a GPU pool.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { createDatabase } from './database.js';
import type { DataPlane } from './dataAccess.js';
import { createFunctions } from './functions.js';
import { createGpuPool } from './gpuPool.js';
import { createHttpApi, GRAPHQL_PATH } from './httpApi.js';
import { createVpc } from './network.js';
import { createService } from './service.js';
import { resolveSettings, type SettingsOverrides } from './settings.js';
import { createBucket } from './storage.js';

export interface CorrEmbedStackProps extends StackProps {
  /** The Docker build context holding the Dockerfile: the repository root in practice, a tiny folder in tests. */
  imageDirectory: string;
  /** Overrides of the defaults in settings.ts. */
  settings?: SettingsOverrides;
}

export class CorrEmbedStack extends Stack {
  constructor(scope: Construct, id: string, props: CorrEmbedStackProps) {
    super(scope, id, props);
    const settings = resolveSettings(props.settings);
    const { imageDirectory } = props;

    const vpc = createVpc(this);
    const data: DataPlane = { bucket: createBucket(this), database: createDatabase(this, vpc, settings.database) };
    const functions = createFunctions(this, { vpc, data, imageDirectory, settings });
    const httpApi = createHttpApi(this, functions.api);

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc });
    const gpu = settings.gpu && createGpuPool(this, { cluster, data, imageDirectory, settings: settings.gpu });
    const service = createService(this, { cluster, data, imageDirectory, settings, ...functions, gpuEndpoint: gpu?.endpoint });
    gpu?.loadBalancer.connections.allowFrom(service.fargate.service, ec2.Port.tcp(80), 'GraphQL service to the GPU pool');

    const serviceHost = service.fargate.loadBalancer.loadBalancerDnsName;
    const ws = service.scheme === 'https' ? 'wss' : 'ws';
    new CfnOutput(this, 'ApiUrl', { value: `${httpApi.apiEndpoint}${GRAPHQL_PATH}`, description: 'GraphQL over HTTP (api function)' });
    new CfnOutput(this, 'ServiceUrl', {
      value: `${service.scheme}://${serviceHost}${GRAPHQL_PATH}`,
      description: 'GraphQL over HTTP (service)',
    });
    new CfnOutput(this, 'WebSocketUrl', { value: `${ws}://${serviceHost}${GRAPHQL_PATH}`, description: 'GraphQL subscriptions (service)' });
    new CfnOutput(this, 'AdminKeySecretArn', {
      value: service.adminKey.secretArn,
      description: 'The admin API key (aws secretsmanager get-secret-value)',
    });
    new CfnOutput(this, 'BucketName', { value: data.bucket.bucketName, description: 'Datasets and models' });
    new CfnOutput(this, 'DatabaseSecretArn', { value: data.database.secret.secretArn });
    if (gpu) new CfnOutput(this, 'GpuEndpoint', { value: gpu.endpoint, description: 'Internal Invoke endpoint of the GPU pool' });
  }
}

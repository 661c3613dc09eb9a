// The long-lived GraphQL service on Fargate behind a public ALB: WebSocket subscriptions, and it drives runs on the functions.
import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { dataEnvironment, grantDataAccess, type DataPlane } from './dataAccess.js';
import { CLI_ENTRY_POINT, cliCommand, containerImage } from './images.js';
import { corsEnvironment, type CorrEmbedSettings } from './settings.js';

const SERVICE_PORT = 4000;

export interface ServiceProps {
  cluster: ecs.ICluster;
  data: DataPlane;
  imageDirectory: string;
  settings: CorrEmbedSettings;
  embed: lambda.IFunction;
  aggregate: lambda.IFunction;
  /** The GPU pool's Invoke endpoint; embed calls go there instead of to Lambda. */
  gpuEndpoint?: string;
}

function serviceEnvironment(props: ServiceProps): Record<string, string> {
  const { settings } = props;
  return {
    ...dataEnvironment(props.data),
    PORT: String(SERVICE_PORT),
    // Behind the load balancer: the client IP (rate limits, audit log) is the entry it appends to X-Forwarded-For.
    CORREMBED_TRUSTED_PROXY_HOPS: '1',
    CORREMBED_EXECUTOR: 'lambda',
    CORREMBED_EMBED_FUNCTION: props.embed.functionName,
    CORREMBED_AGGREGATE_FUNCTION: props.aggregate.functionName,
    CORREMBED_LAMBDA_CONCURRENCY: String(settings.lambdaConcurrency),
    ...(settings.aggregateShards === undefined ? {} : { CORREMBED_AGGREGATE_SHARDS: String(settings.aggregateShards) }),
    ...(props.gpuEndpoint === undefined ? {} : { CORREMBED_EMBED_ENDPOINT: props.gpuEndpoint }),
    ...corsEnvironment(settings),
  };
}

export function createService(scope: Construct, props: ServiceProps): ecsPatterns.ApplicationLoadBalancedFargateService {
  const { service: size } = props.settings;
  const service = new ecsPatterns.ApplicationLoadBalancedFargateService(scope, 'Service', {
    cluster: props.cluster,
    cpu: size.cpu,
    memoryLimitMiB: size.memoryMiB,
    desiredCount: size.desiredCount,
    publicLoadBalancer: true,
    // Subscriptions sit idle between run events; the ALB would otherwise drop them after 60 s.
    idleTimeout: Duration.minutes(5),
    minHealthyPercent: 100,
    circuitBreaker: { rollback: true },
    healthCheckGracePeriod: Duration.seconds(60),
    taskImageOptions: {
      image: containerImage(props.imageDirectory, 'skip'),
      entryPoint: CLI_ENTRY_POINT,
      command: cliCommand('serve'),
      containerPort: SERVICE_PORT,
      environment: serviceEnvironment(props),
    },
  });
  service.targetGroup.configureHealthCheck({ path: '/health', healthyHttpCodes: '200' });
  const taskRole = service.taskDefinition.taskRole;
  grantDataAccess(props.data, taskRole, service.service, 'GraphQL service');
  props.embed.grantInvoke(taskRole);
  props.aggregate.grantInvoke(taskRole);
  return service;
}

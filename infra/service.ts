// The long-lived GraphQL service on Fargate behind a public ALB (HTTPS with a certificate): WebSocket subscriptions, and it drives runs on the functions.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { dataEnvironment, grantDataAccess, type DataPlane } from './dataAccess.js';
import { CLI_ENTRY_POINT, cliCommand, containerImage } from './images.js';
import { corsEnvironment, type CorrEmbedSettings, type ServiceSettings } from './settings.js';

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

export interface Service {
  fargate: ecsPatterns.ApplicationLoadBalancedFargateService;
  /** The generated admin key (CORREMBED_ADMIN_KEY), read from Secrets Manager, never printed. */
  adminKey: secretsmanager.ISecret;
  /** `https` with a certificate, else `http` (the trial setting). */
  scheme: 'https' | 'http';
}

function serviceEnvironment(props: ServiceProps): Record<string, string> {
  const { settings } = props;
  return {
    ...dataEnvironment(props.data),
    PORT: String(SERVICE_PORT),
    // Behind the load balancer: the client IP (rate limits, audit log) is the entry it appends to X-Forwarded-For.
    CORREMBED_TRUSTED_PROXY_HOPS: '1',
    CORREMBED_EXECUTOR: props.gpuEndpoint === undefined ? 'lambda' : 'gpu',
    CORREMBED_EMBED_FUNCTION: props.embed.functionName,
    CORREMBED_AGGREGATE_FUNCTION: props.aggregate.functionName,
    CORREMBED_LAMBDA_CONCURRENCY: String(settings.lambdaConcurrency),
    ...(settings.aggregateShards === undefined ? {} : { CORREMBED_AGGREGATE_SHARDS: String(settings.aggregateShards) }),
    ...(props.gpuEndpoint === undefined ? {} : { CORREMBED_GPU_ENDPOINT: props.gpuEndpoint }),
    ...corsEnvironment(settings),
  };
}

/** HTTPS with the certificate (HTTP redirected to it), or plain HTTP only when the trial setting asks for it. */
function listener(scope: Construct, size: ServiceSettings): Partial<ecsPatterns.ApplicationLoadBalancedFargateServiceProps> {
  if (size.certificateArn !== undefined) {
    return {
      certificate: acm.Certificate.fromCertificateArn(scope, 'Certificate', size.certificateArn),
      protocol: elbv2.ApplicationProtocol.HTTPS,
      redirectHTTP: true,
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    };
  }
  if (size.httpTrial) return { protocol: elbv2.ApplicationProtocol.HTTP };
  throw new Error(
    'the public load balancer needs -c certificateArn=<ACM certificate ARN> (HTTPS), or -c httpTrial=true for plain HTTP in a trial',
  );
}

export function createService(scope: Construct, props: ServiceProps): Service {
  const { service: size } = props.settings;
  const adminKey = new secretsmanager.Secret(scope, 'AdminKey', {
    description: 'CorrEmbed admin API key (CORREMBED_ADMIN_KEY of the service)',
    generateSecretString: { passwordLength: 48, excludePunctuation: true },
  });
  const fargate = new ecsPatterns.ApplicationLoadBalancedFargateService(scope, 'Service', {
    cluster: props.cluster,
    cpu: size.cpu,
    memoryLimitMiB: size.memoryMiB,
    desiredCount: size.desiredCount,
    publicLoadBalancer: true,
    ...listener(scope, size),
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
      // The key is set, so the service never generates one and prints it to its log.
      secrets: { CORREMBED_ADMIN_KEY: ecs.Secret.fromSecretsManager(adminKey) },
      logDriver: ecs.LogDrivers.awsLogs({
        streamPrefix: 'service',
        logGroup: new logs.LogGroup(scope, 'ServiceLogs', {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      }),
    },
  });
  fargate.targetGroup.configureHealthCheck({ path: '/health', healthyHttpCodes: '200' });
  const taskRole = fargate.taskDefinition.taskRole;
  grantDataAccess(props.data, taskRole, fargate.service, 'GraphQL service');
  props.embed.grantInvoke(taskRole);
  props.aggregate.grantInvoke(taskRole);
  return { fargate, adminKey, scheme: size.certificateArn === undefined ? 'http' : 'https' };
}

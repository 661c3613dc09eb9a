// The three Lambda functions (embed, aggregate, api) from the one image, in the VPC, with their environment and grants.
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { dataEnvironment, grantDataAccess, type DataPlane } from './dataAccess.js';
import { handlerCode, type HandlerName } from './images.js';
import { corsEnvironment, type CorrEmbedSettings, type FunctionSettings } from './settings.js';

export interface Functions {
  embed: lambda.DockerImageFunction;
  aggregate: lambda.DockerImageFunction;
  api: lambda.DockerImageFunction;
}

export interface FunctionsProps {
  vpc: ec2.IVpc;
  data: DataPlane;
  imageDirectory: string;
  settings: CorrEmbedSettings;
}

const DESCRIPTIONS: Record<HandlerName, string> = {
  embed: 'CorrEmbed: embeds a batch of images with one ONNX model',
  aggregate: 'CorrEmbed: aggregates one shard of a run into scores',
  api: 'CorrEmbed: GraphQL API over HTTP (records runs; the service drives them)',
};

/** Extra environment per function on top of the data plane's. */
const ENVIRONMENT: Record<HandlerName, Record<string, string>> = {
  embed: { CORREMBED_EXECUTION_PROVIDER: 'cpu' },
  aggregate: {},
  api: { CORREMBED_DRIVE_RUNS: 'false' },
};

function imageFunction(
  scope: Construct,
  handler: HandlerName,
  settings: FunctionSettings,
  props: FunctionsProps,
): lambda.DockerImageFunction {
  const id = `${handler[0]!.toUpperCase()}${handler.slice(1)}Function`;
  const fn = new lambda.DockerImageFunction(scope, id, {
    code: handlerCode(props.imageDirectory, handler),
    description: DESCRIPTIONS[handler],
    architecture: lambda.Architecture.X86_64,
    memorySize: settings.memoryMiB,
    timeout: Duration.seconds(settings.timeoutSeconds),
    ephemeralStorageSize: Size.mebibytes(settings.ephemeralStorageMiB),
    reservedConcurrentExecutions: settings.reservedConcurrency,
    vpc: props.vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    environment: { ...dataEnvironment(props.data), ...ENVIRONMENT[handler], ...(handler === 'api' ? corsEnvironment(props.settings) : {}) },
    logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
  });
  grantDataAccess(props.data, fn, fn, `${handler} function`);
  return fn;
}

export function createFunctions(scope: Construct, props: FunctionsProps): Functions {
  const { settings } = props;
  return {
    embed: imageFunction(scope, 'embed', settings.embed, props),
    aggregate: imageFunction(scope, 'aggregate', settings.aggregate, props),
    api: imageFunction(scope, 'api', settings.api, props),
  };
}

// The CDK stack synthesised in-process: resources, least-privilege IAM, network reachability, env wiring, knobs, GPU pool.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { overridesFromContext } from '../infra/context.js';
import { CorrEmbedStack } from '../infra/corrEmbedStack.js';
import type { SettingsOverrides } from '../infra/settings.js';
import { VARIABLES } from '../src/config/schema.js';

type Json = any; // CloudFormation JSON, walked by hand

// A one-line Dockerfile stands in for the repository: asset hashing stays instant and nothing is built.
const imageDirectory = mkdtempSync(join(tmpdir(), 'corrembed-infra-'));
writeFileSync(join(imageDirectory, 'Dockerfile'), 'FROM scratch\n');
after(() => rmSync(imageDirectory, { recursive: true, force: true }));

interface Synthesised {
  template: Template;
  json: Json;
  dockerImageAssets: number;
}

/** The stack with `settings`; plain HTTP on the public load balancer (the trial setting) unless they give a certificate. */
function synth(settings: SettingsOverrides = {}): Synthesised {
  // CloudFormation's own validator (a WASM module, seconds to load) runs in `npm run synth`; here it would only add time.
  const app = new App({ builtinCloudFormationValidation: false });
  const service = settings.service?.certificateArn === undefined ? { httpTrial: true, ...settings.service } : settings.service;
  const stack = new CorrEmbedStack(app, 'CorrEmbedTest', { imageDirectory, settings: { ...settings, service } });
  const assembly = app.synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  const assetManifest = assembly.artifacts.find((a) => a.id === `${stack.artifactId}.assets`)!;
  const manifest = JSON.parse(readFileSync(join(assembly.directory, (assetManifest.manifest.properties as Json).file), 'utf8'));
  return {
    template: Template.fromJSON(artifact.template),
    json: artifact.template,
    dockerImageAssets: Object.keys(manifest.dockerImages ?? {}).length,
  };
}

function resources(json: Json, type: string): [string, Json][] {
  return Object.entries(json.Resources as Record<string, Json>).filter(([, r]) => r.Type === type);
}

function only<T>(items: T[], what: string): T {
  assert.equal(items.length, 1, `expected exactly one ${what}`);
  return items[0]!;
}

/** The Lambda function whose image command runs `dist/functions/<handler>.handler`. */
function lambdaFunction(json: Json, handler: string): [string, Json] {
  return only(
    resources(json, 'AWS::Lambda::Function').filter(
      ([, r]) => r.Properties.ImageConfig?.Command?.[0] === `dist/functions/${handler}.handler`,
    ),
    `${handler} function`,
  );
}

function roleOf(fn: Json): string {
  return fn.Properties.Role['Fn::GetAtt'][0];
}

/** Every statement of the inline policies attached to a role. */
function statementsOf(json: Json, roleId: string): Json[] {
  return resources(json, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: Json) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

function actions(statement: Json): string[] {
  return [statement.Action].flat();
}

function resourceList(statement: Json): Json[] {
  return [statement.Resource].flat();
}

function grants(statements: Json[], action: string): Json[] {
  return statements.filter((s) => s.Effect === 'Allow' && actions(s).includes(action));
}

function serviceContainer(json: Json, command: string): Json {
  return only(
    resources(json, 'AWS::ECS::TaskDefinition')
      .flatMap(([, t]) => t.Properties.ContainerDefinitions)
      .filter((c: Json) => c.Command?.includes(command)),
    `container running ${command}`,
  );
}

function envOf(container: Json): Record<string, Json> {
  return Object.fromEntries(container.Environment.map((e: Json) => [e.Name, e.Value]));
}

/** A reference ({Ref} or {Fn::GetAtt}) to the logical id, anywhere inside the value. */
function mentions(value: Json, logicalId: string): boolean {
  return JSON.stringify(value).includes(`"${logicalId}"`);
}

describe('default stack', () => {
  const { template, json, dockerImageAssets } = synth();
  const [bucketId] = only(resources(json, 'AWS::S3::Bucket'), 'bucket');
  const [embedId, embed] = lambdaFunction(json, 'embed');
  const [aggregateId, aggregate] = lambdaFunction(json, 'aggregate');
  const [, api] = lambdaFunction(json, 'api');
  const secretArn = api.Properties.Environment.Variables.DATABASE_SECRET_ARN;
  const service = serviceContainer(json, 'serve');
  const taskRoleId = only(resources(json, 'AWS::ECS::TaskDefinition'), 'task definition')[1].Properties.TaskRoleArn['Fn::GetAtt'][0];

  test('network, database and secret, bucket', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: Match.stringLikeRegexp('^16'),
      DBName: 'corrembed',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DeletionProtection: true,
    });
    template.hasResourceProperties('AWS::RDS::DBProxy', { EngineFamily: 'POSTGRESQL', RequireTLS: true });
    template.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      ConnectionPoolConfigurationInfo: Match.objectLike({ MaxConnectionsPercent: 90 }),
    });
    // The database's secret and the admin key's.
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 1);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  test('three image functions with their commands, one image asset for all CPU workloads', () => {
    const functions = resources(json, 'AWS::Lambda::Function');
    assert.equal(functions.length, 3);
    for (const [, fn] of functions) {
      assert.equal(fn.Properties.PackageType, 'Image');
      assert.ok(fn.Properties.VpcConfig, 'functions run in the VPC');
      assert.equal(fn.Properties.Environment.Variables.AWS_REGION, undefined);
    }
    assert.equal(dockerImageAssets, 1);
  });

  test('HTTP API routes /graphql to the api function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [lambdaFunction(json, 'api')[0], 'Arn'] },
    });
    const routes = resources(json, 'AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties.RouteKey)
      .sort();
    assert.deepEqual(routes, ['GET /graphql', 'OPTIONS /graphql', 'POST /graphql']);
  });

  test('Fargate service behind a public ALB, health-checked on /health, runs `serve` from the image', () => {
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '300' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/health', Port: 80 });
    assert.deepEqual(service.EntryPoint, ['node']);
    assert.deepEqual(service.Command, ['dist/src/cli/corrembed.js', 'serve']);
    assert.deepEqual(
      service.PortMappings.map((p: Json) => p.ContainerPort),
      [4000],
    );
    for (const output of ['ApiUrl', 'WebSocketUrl', 'BucketName']) template.hasOutput(output, {});
    assert.match(JSON.stringify(json.Outputs.WebSocketUrl.Value), /ws:\/\/.*\/graphql/);
  });

  test('only the functions and the service reach the database, through its proxy', () => {
    const group = (pattern: RegExp, what: string) =>
      only(
        resources(json, 'AWS::EC2::SecurityGroup').filter(([, g]) => pattern.test(g.Properties.GroupDescription)),
        what,
      )[0];
    const dbSecurityGroupId = group(/^Security group for Database/, 'database security group');
    const proxySecurityGroupId = group(/RDS Proxy/, 'proxy security group');
    const ingressTo = (groupId: string) =>
      resources(json, 'AWS::EC2::SecurityGroupIngress').filter(([, i]) => mentions(i.Properties.GroupId, groupId));
    const toDatabase = ingressTo(dbSecurityGroupId);
    assert.ok(
      toDatabase.length > 0 && toDatabase.every(([, rule]) => mentions(rule.Properties.SourceSecurityGroupId, proxySecurityGroupId)),
      'the database admits the proxy only',
    );
    const toProxy = ingressTo(proxySecurityGroupId);
    assert.equal(toProxy.length, 4, 'embed, aggregate, api, service');
    for (const [, rule] of [...toDatabase, ...toProxy]) {
      assert.ok(rule.Properties.SourceSecurityGroupId, 'ingress from a security group, never a CIDR');
      assert.equal(rule.Properties.CidrIp, undefined);
    }
    for (const id of [dbSecurityGroupId, proxySecurityGroupId]) assert.equal(json.Resources[id].Properties.SecurityGroupIngress, undefined);
    // Every workload connects to the proxy's endpoint.
    const [proxyId] = only(resources(json, 'AWS::RDS::DBProxy'), 'proxy');
    for (const vars of [envOf(service), ...[embed, aggregate, api].map((fn) => fn.Properties.Environment.Variables)]) {
      assert.deepEqual(vars.DATABASE_HOST, { 'Fn::GetAtt': [proxyId, 'Endpoint'] });
    }
  });

  test('every log group keeps a month, and every workload logs into one of them', () => {
    const groups = resources(json, 'AWS::Logs::LogGroup');
    assert.equal(groups.length, 4, 'embed, aggregate, api, service');
    for (const [, group] of groups) assert.equal(group.Properties.RetentionInDays, 30);
    const ids = groups.map(([id]) => id);
    for (const [, fn] of resources(json, 'AWS::Lambda::Function')) assert.ok(ids.some((id) => mentions(fn.Properties.LoggingConfig, id)));
    assert.ok(ids.some((id) => mentions(service.LogConfiguration.Options['awslogs-group'], id)));
  });

  test('the admin key is a generated secret handed to the service, so none is generated and printed to its log', () => {
    const [adminKeyId] = only(
      resources(json, 'AWS::SecretsManager::Secret').filter(([, s]) => /admin API key/.test(s.Properties.Description ?? '')),
      'admin key secret',
    );
    assert.deepEqual(service.Secrets, [{ Name: 'CORREMBED_ADMIN_KEY', ValueFrom: { Ref: adminKeyId } }]);
    assert.equal(envOf(service).CORREMBED_ADMIN_KEY, undefined);
    template.hasOutput('AdminKeySecretArn', { Value: { Ref: adminKeyId } });
  });

  test('functions and the service read only the bucket and the database secret, and write only embedding shards', () => {
    const roles = [...[embed, aggregate, api].map(roleOf), taskRoleId];
    for (const roleId of roles) {
      const statements = statementsOf(json, roleId);
      const s3 = only(grants(statements, 's3:GetObject*'), `s3 grant of ${roleId}`);
      assert.ok(
        resourceList(s3).every((r) => mentions(r, bucketId)),
        'S3 grant scoped to the bucket',
      );
      const writes = statements.filter((s) => actions(s).some((a) => a.startsWith('s3:Put')));
      assert.equal(writes.length, 1, `one write grant for ${roleId}`);
      assert.ok(
        resourceList(writes[0]).every((r) => mentions(r, bucketId) && JSON.stringify(r).includes('/vectors/*')),
        'writes only under the vectors prefix',
      );
      assert.ok(!statements.some((s) => actions(s).some((a) => a.startsWith('s3:Delete'))), 'no bucket deletes');
      const secret = only(grants(statements, 'secretsmanager:GetSecretValue'), `secret grant of ${roleId}`);
      assert.deepEqual(secret.Resource, secretArn);
      assert.ok(!statements.some((s) => resourceList(s).includes('*') && actions(s).some((a) => /^(s3|secretsmanager|lambda):/.test(a))));
    }
  });

  test('only the service may invoke, and only the embed and aggregate functions', () => {
    const invokers = resources(json, 'AWS::IAM::Policy').filter(
      ([, p]) => grants(p.Properties.PolicyDocument.Statement, 'lambda:InvokeFunction').length > 0,
    );
    const [, policy] = only(invokers, 'policy granting lambda:InvokeFunction');
    assert.deepEqual(policy.Properties.Roles, [{ Ref: taskRoleId }]);
    const targets = grants(policy.Properties.PolicyDocument.Statement, 'lambda:InvokeFunction').flatMap(resourceList);
    assert.ok(targets.length > 0);
    assert.ok(
      targets.every((r) => mentions(r, embedId) || mentions(r, aggregateId)),
      'scoped to embed and aggregate',
    );
    assert.ok(targets.some((r) => mentions(r, embedId)) && targets.some((r) => mentions(r, aggregateId)));
    assert.equal(grants(statementsOf(json, roleOf(api)), 'lambda:InvokeFunction').length, 0, 'the api function cannot invoke');
  });

  test('environment wiring', () => {
    const env = envOf(service);
    assert.deepEqual(env.CORREMBED_EMBED_FUNCTION, { Ref: embedId });
    assert.deepEqual(env.CORREMBED_AGGREGATE_FUNCTION, { Ref: aggregateId });
    assert.equal(env.CORREMBED_EXECUTOR, 'lambda');
    assert.equal(env.CORREMBED_LAMBDA_CONCURRENCY, '64');
    assert.equal(env.PORT, '4000');
    assert.equal(env.CORREMBED_TRUSTED_PROXY_HOPS, '1');
    assert.deepEqual(env.DATABASE_SECRET_ARN, secretArn);
    assert.equal(env.CORREMBED_GPU_ENDPOINT, undefined);
    assert.equal(env.CORREMBED_AGGREGATE_SHARDS, undefined);
    const apiEnv = api.Properties.Environment.Variables;
    assert.equal(apiEnv.CORREMBED_DRIVE_RUNS, 'false');
    assert.equal(embed.Properties.Environment.Variables.CORREMBED_EXECUTION_PROVIDER, 'cpu');
    for (const fn of [embed, aggregate, api]) {
      assert.deepEqual(fn.Properties.Environment.Variables.DATABASE_SECRET_ARN, secretArn);
    }
    // Every variable the stacks set is one the configuration schema reads (and so documents).
    for (const vars of [env, ...[embed, aggregate, api].map((fn) => fn.Properties.Environment.Variables)])
      for (const name of Object.keys(vars)) assert.ok(name in VARIABLES, `${name} is set by infra but not in src/config/schema.ts`);
    for (const vars of [env, ...[embed, aggregate, api].map((fn) => fn.Properties.Environment.Variables)])
      assert.equal(vars.NODE_ENV, 'production');
    // Manifests named through the API are read from the bucket only (CORREMBED_DATA_ROOTS = s3://<bucket>/).
    for (const vars of [env, apiEnv]) assert.deepEqual(vars.CORREMBED_DATA_ROOTS, { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/']] });
    // Every workload reads and writes embedding shards in the same place.
    for (const vars of [env, apiEnv])
      assert.deepEqual(vars.CORREMBED_VECTOR_STORE, { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/vectors']] });
    assert.ok(mentions(secretArn, only(resources(json, 'AWS::SecretsManager::SecretTargetAttachment'), 'secret attachment')[0]));
  });

  test('no GPU pool unless asked for', () => {
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
    template.resourceCountIs('AWS::ECS::CapacityProvider', 0);
  });
});

describe('public load balancer', () => {
  test('HTTPS with a certificate: TLS 1.2+ on 443, port 80 redirected, https and wss outputs', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
    const { template, json } = synth({ service: { certificateArn } });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: certificateArn }],
      SslPolicy: Match.stringLikeRegexp('TLS13'),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443' }) })],
    });
    assert.ok(
      !resources(json, 'AWS::ElasticLoadBalancingV2::Listener').some(
        ([, l]) => l.Properties.Protocol === 'HTTP' && l.Properties.DefaultActions[0].Type === 'forward',
      ),
      'nothing forwarded over plain HTTP',
    );
    assert.match(JSON.stringify(json.Outputs.ServiceUrl.Value), /https:\/\//);
    assert.match(JSON.stringify(json.Outputs.WebSocketUrl.Value), /wss:\/\//);
  });

  test('plain HTTP only as the explicit trial setting: without a certificate or httpTrial the stack refuses to synthesise', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    assert.throws(() => new CorrEmbedStack(app, 'NoTls', { imageDirectory }), /certificateArn=.*httpTrial=true/);
  });
});

describe('configured stack', () => {
  const { template, json } = synth({
    embed: { memoryMiB: 4096, timeoutSeconds: 600, reservedConcurrency: 100 },
    aggregate: { memoryMiB: 1536, timeoutSeconds: 120, reservedConcurrency: 8 },
    database: { flavour: 'aurora', minCapacity: 1, maxCapacity: 8, proxy: false, deletionProtection: false },
    lambdaConcurrency: 100,
    aggregateShards: 4,
    corsOrigins: 'https://app.example.com',
  });

  test('memory, timeout and reserved concurrency land on the functions', () => {
    const embed = lambdaFunction(json, 'embed')[1].Properties;
    const aggregate = lambdaFunction(json, 'aggregate')[1].Properties;
    assert.deepEqual([embed.MemorySize, embed.Timeout, embed.ReservedConcurrentExecutions], [4096, 600, 100]);
    assert.deepEqual([aggregate.MemorySize, aggregate.Timeout, aggregate.ReservedConcurrentExecutions], [1536, 120, 8]);
    const env = envOf(serviceContainer(json, 'serve'));
    assert.equal(env.CORREMBED_LAMBDA_CONCURRENCY, '100');
    assert.equal(env.CORREMBED_AGGREGATE_SHARDS, '4');
  });

  test('the CORS origins reach both workloads that answer browsers', () => {
    assert.equal(envOf(serviceContainer(json, 'serve')).CORREMBED_CORS_ORIGINS, 'https://app.example.com');
    assert.equal(lambdaFunction(json, 'api')[1].Properties.Environment.Variables.CORREMBED_CORS_ORIGINS, 'https://app.example.com');
    assert.equal(lambdaFunction(json, 'embed')[1].Properties.Environment.Variables.CORREMBED_CORS_ORIGINS, undefined);
  });

  test('Aurora Serverless v2 PostgreSQL 16 replaces the instance', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 1); // the serverless v2 writer
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: Match.stringLikeRegexp('^16'),
      DatabaseName: 'corrembed',
      ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 8 },
    });
    template.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 1);
    template.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: false });
  });

  test("without the proxy, workloads reach the database port directly and connect to the secret's host", () => {
    template.resourceCountIs('AWS::RDS::DBProxy', 0);
    const { json } = synth({ database: { proxy: false } });
    const [dbSecurityGroupId] = only(
      resources(json, 'AWS::EC2::SecurityGroup').filter(([, g]) => /database/i.test(g.Properties.GroupDescription)),
      'database security group',
    );
    assert.equal(
      resources(json, 'AWS::EC2::SecurityGroupIngress').filter(([, i]) => mentions(i.Properties.GroupId, dbSecurityGroupId)).length,
      4,
    );
    assert.equal(envOf(serviceContainer(json, 'serve')).DATABASE_HOST, undefined);
  });
});

describe('GPU stack', () => {
  const { template, json, dockerImageAssets } = synth({ gpu: true });
  const gpuContainer = serviceContainer(json, 'function-host');

  test('ECS GPU capacity on g5.xlarge behind an ASG capacity provider', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ InstanceType: 'g5.xlarge' }) });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '0', MaxSize: '2' });
    template.resourceCountIs('AWS::ECS::CapacityProvider', 1);
    assert.match(JSON.stringify(json.Parameters), /amazon-linux-2023\/gpu/);
    template.hasResourceProperties('AWS::ECS::Service', { CapacityProviderStrategy: [Match.objectLike({ Weight: 1 })] });
  });

  test('the function host takes one GPU and runs with the CUDA provider on a CUDA image', () => {
    assert.deepEqual(gpuContainer.ResourceRequirements, [{ Type: 'GPU', Value: '1' }]);
    assert.deepEqual(gpuContainer.Command, ['dist/src/cli/corrembed.js', 'function-host', '--port', '9000', '--host', '0.0.0.0']);
    assert.equal(envOf(gpuContainer).CORREMBED_EXECUTION_PROVIDER, 'cuda');
    assert.equal(dockerImageAssets, 2, 'the CPU image and the CUDA image');
  });

  test('the service sends embed calls to the internal ALB, which only the service can reach', () => {
    const [albId] = only(
      resources(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer').filter(([, lb]) => lb.Properties.Scheme === 'internal'),
      'internal load balancer',
    );
    const env = envOf(serviceContainer(json, 'serve'));
    assert.equal(env.CORREMBED_EXECUTOR, 'gpu');
    const endpoint = env.CORREMBED_GPU_ENDPOINT;
    assert.ok(mentions(endpoint, albId));
    const albSecurityGroupId = json.Resources[albId].Properties.SecurityGroups[0]['Fn::GetAtt'][0];
    assert.equal(json.Resources[albSecurityGroupId].Properties.SecurityGroupIngress, undefined, 'listener not open to the VPC');
    const ingress = resources(json, 'AWS::EC2::SecurityGroupIngress').filter(([, i]) => mentions(i.Properties.GroupId, albSecurityGroupId));
    assert.equal(only(ingress, 'ingress to the GPU ALB')[1].Properties.FromPort, 80);
  });

  test('the path from the GPU load balancer to the task port is open, and only that path', () => {
    const [albId, alb] = only(
      resources(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer').filter(([, lb]) => lb.Properties.Scheme === 'internal'),
      'internal load balancer',
    );
    const albGroup = alb.Properties.SecurityGroups[0]['Fn::GetAtt'][0];
    // The listener forwards to the pool's target group, whose targets are the instances (bridge mode).
    const [, listener] = only(
      resources(json, 'AWS::ElasticLoadBalancingV2::Listener').filter(([, l]) => mentions(l.Properties.LoadBalancerArn, albId)),
      'GPU listener',
    );
    const targetGroupId = listener.Properties.DefaultActions[0].TargetGroupArn.Ref;
    assert.equal(json.Resources[targetGroupId].Properties.TargetType, 'instance');
    const [, task] = only(
      resources(json, 'AWS::ECS::TaskDefinition').filter(([, t]) => t.Properties.ContainerDefinitions.includes(gpuContainer)),
      'GPU task',
    );
    assert.equal(task.Properties.NetworkMode, 'bridge');
    // The task: a dynamic host port mapped to the port the host listens on, on every interface.
    const [mapping] = gpuContainer.PortMappings;
    assert.equal(mapping.HostPort, 0, 'dynamic host port');
    const command: string[] = gpuContainer.Command;
    assert.equal(command[command.indexOf('--port') + 1], String(mapping.ContainerPort));
    assert.equal(command[command.indexOf('--host') + 1], '0.0.0.0');
    // The instances: launched with one security group, which admits the load balancer's on the dynamic ports.
    const [, template] = only(resources(json, 'AWS::EC2::LaunchTemplate'), 'launch template');
    const instanceGroups: string[] = template.Properties.LaunchTemplateData.SecurityGroupIds.map((g: Json) => g['Fn::GetAtt'][0]);
    const instanceGroup = only(instanceGroups, 'instance security group');
    const covers = (rule: Json) =>
      rule.Properties.IpProtocol === 'tcp' && rule.Properties.FromPort <= 32768 && rule.Properties.ToPort >= 65535;
    const ingress = resources(json, 'AWS::EC2::SecurityGroupIngress').filter(([, i]) => mentions(i.Properties.GroupId, instanceGroup));
    assert.ok(
      ingress.some(([, rule]) => mentions(rule.Properties.SourceSecurityGroupId, albGroup) && covers(rule)),
      'instances admit the load balancer on the dynamic ports',
    );
    assert.ok(
      ingress.every(([, rule]) => mentions(rule.Properties.SourceSecurityGroupId, albGroup)),
      'and nobody else',
    );
    assert.equal(json.Resources[instanceGroup].Properties.SecurityGroupIngress, undefined);
    // The load balancer's group lets it out to them (CDK gives it no other egress).
    const egress = resources(json, 'AWS::EC2::SecurityGroupEgress').filter(([, e]) => mentions(e.Properties.GroupId, albGroup));
    assert.ok(
      egress.some(([, rule]) => mentions(rule.Properties.DestinationSecurityGroupId, instanceGroup) && covers(rule)),
      'load balancer egress to the instances',
    );
  });

  test('the GPU tasks log into a group that keeps a month', () => {
    const group = gpuContainer.LogConfiguration.Options['awslogs-group'].Ref;
    assert.equal(json.Resources[group].Properties.RetentionInDays, 30);
  });
});

describe('CDK context', () => {
  test('strings from -c become typed overrides', () => {
    const context: Record<string, string> = {
      gpu: 'true',
      gpuInstanceType: 'g5.2xlarge',
      embedMemory: '4096',
      embedConcurrency: '50',
      database: 'aurora',
      lambdaConcurrency: '32',
      corsOrigins: 'http://localhost:5173',
    };
    const overrides = overridesFromContext((key) => context[key]);
    assert.deepEqual(overrides.gpu, { instanceType: 'g5.2xlarge', desiredCount: undefined, maxInstances: undefined });
    assert.equal(overrides.embed?.memoryMiB, 4096);
    assert.equal(overrides.embed?.reservedConcurrency, 50);
    assert.equal(overrides.database?.flavour, 'aurora');
    assert.equal(overrides.lambdaConcurrency, 32);
    assert.equal(overrides.corsOrigins, 'http://localhost:5173');
    assert.equal(overridesFromContext(() => undefined).gpu, false);
    const tls = overridesFromContext(
      (key) => ({ certificateArn: 'arn:aws:acm:eu-west-1:1:certificate/x', dbProxy: 'false', dbDeletionProtection: 'false' })[key],
    );
    assert.equal(tls.service?.certificateArn, 'arn:aws:acm:eu-west-1:1:certificate/x');
    assert.equal(tls.service?.httpTrial, false);
    assert.deepEqual([tls.database?.proxy, tls.database?.deletionProtection], [false, false]);
    assert.equal(overridesFromContext((key) => (key === 'httpTrial' ? 'true' : undefined)).service?.httpTrial, true);
  });

  test('malformed values are rejected', () => {
    assert.throws(() => overridesFromContext((key) => (key === 'embedMemory' ? 'lots' : undefined)), /embedMemory/);
    assert.throws(() => overridesFromContext((key) => (key === 'gpu' ? 'yes' : undefined)), /gpu/);
    assert.throws(() => overridesFromContext((key) => (key === 'database' ? 'mysql' : undefined)), /database/);
  });
});

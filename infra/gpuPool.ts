// The optional GPU embed pool: ECS on g5 instances running `function-host` (Lambda's Invoke route) behind an internal ALB.
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { dataEnvironment, grantDataAccess, type DataPlane } from './dataAccess.js';
import { CLI_ENTRY_POINT, cliCommand, containerImage } from './images.js';
import type { GpuSettings } from './settings.js';

const FUNCTION_HOST_PORT = 9000;

export interface GpuPoolProps {
  cluster: ecs.Cluster;
  data: DataPlane;
  imageDirectory: string;
  settings: GpuSettings;
}

export interface GpuPool {
  /** CORREMBED_EMBED_ENDPOINT for the service. */
  endpoint: string;
  /** The internal ALB; callers open its listener to their own security group. */
  loadBalancer: ec2.IConnectable;
}

function capacityProvider(scope: Construct, props: GpuPoolProps): ecs.AsgCapacityProvider {
  const vpc = props.cluster.vpc;
  // A launch template (launch configurations are retired); the cluster adds the ECS agent's user data and policies.
  const launchTemplate = new ec2.LaunchTemplate(scope, 'GpuLaunchTemplate', {
    instanceType: new ec2.InstanceType(props.settings.instanceType),
    // The ECS GPU-optimised AMI carries the NVIDIA driver and the container toolkit.
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
    userData: ec2.UserData.forLinux(),
    role: new iam.Role(scope, 'GpuInstanceRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }),
    securityGroup: new ec2.SecurityGroup(scope, 'GpuInstanceSecurityGroup', { vpc, description: 'GPU function-host instances' }),
    requireImdsv2: true,
  });
  const autoScalingGroup = new autoscaling.AutoScalingGroup(scope, 'GpuInstances', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    launchTemplate,
    minCapacity: 0,
    maxCapacity: props.settings.maxInstances,
  });
  const provider = new ecs.AsgCapacityProvider(scope, 'GpuCapacity', { autoScalingGroup });
  props.cluster.addAsgCapacityProvider(provider);
  return provider;
}

function taskDefinition(scope: Construct, props: GpuPoolProps): ecs.Ec2TaskDefinition {
  const task = new ecs.Ec2TaskDefinition(scope, 'GpuTask');
  task.addContainer('function-host', {
    image: containerImage(props.imageDirectory, 'cuda12'),
    entryPoint: CLI_ENTRY_POINT,
    command: cliCommand('function-host', '--port', String(FUNCTION_HOST_PORT)),
    gpuCount: 1,
    // g5.xlarge: 4 vCPUs, 16 GiB; leave room for the ECS agent.
    memoryReservationMiB: 12 * 1024,
    environment: { ...dataEnvironment(props.data), CORREMBED_EXECUTION_PROVIDER: 'cuda' },
    portMappings: [{ containerPort: FUNCTION_HOST_PORT }],
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'gpu' }),
  });
  return task;
}

export function createGpuPool(scope: Construct, props: GpuPoolProps): GpuPool {
  const provider = capacityProvider(scope, props);
  const pool = new ecsPatterns.ApplicationLoadBalancedEc2Service(scope, 'GpuService', {
    cluster: props.cluster,
    taskDefinition: taskDefinition(scope, props),
    desiredCount: props.settings.desiredCount,
    capacityProviderStrategies: [{ capacityProvider: provider.capacityProviderName, weight: 1 }],
    publicLoadBalancer: false,
    openListener: false,
    // Rolling deploys start the new task before stopping the old one: maxInstances must exceed desiredCount.
    minHealthyPercent: 100,
    circuitBreaker: { rollback: true },
  });
  // The host may not serve /health; any HTTP answer proves it is up.
  pool.targetGroup.configureHealthCheck({ path: '/health', healthyHttpCodes: '200-499' });
  grantDataAccess(props.data, pool.taskDefinition.taskRole, provider.autoScalingGroup, 'GPU function host');
  return { endpoint: `http://${pool.loadBalancer.loadBalancerDnsName}`, loadBalancer: pool.loadBalancer };
}

// The optional GPU embed pool: ECS on g5 instances running `function-host` (Lambda's Invoke route) behind an internal ALB.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { dataEnvironment, grantDataAccess, type DataPlane } from './dataAccess.js';
import { CLI_ENTRY_POINT, cliCommand, containerImage } from './images.js';
import type { GpuSettings } from './settings.js';

const FUNCTION_HOST_PORT = 9000;
/**
 * Bridge mode maps the container port to a dynamic host port from the ECS agent's range (the Linux ephemeral
 * ports): the load balancer reaches the tasks there.
 */
const DYNAMIC_HOST_PORTS = ec2.Port.tcpRange(32768, 65535);

export interface GpuPoolProps {
  cluster: ecs.Cluster;
  data: DataPlane;
  imageDirectory: string;
  settings: GpuSettings;
}

export interface GpuPool {
  /** CORREMBED_GPU_ENDPOINT for the service (CORREMBED_EXECUTOR=gpu). */
  endpoint: string;
  /** The internal ALB; callers open its listener to their own security group. */
  loadBalancer: ec2.IConnectable;
}

function capacityProvider(scope: Construct, props: GpuPoolProps, securityGroup: ec2.SecurityGroup): ecs.AsgCapacityProvider {
  const vpc = props.cluster.vpc;
  // A launch template (launch configurations are retired); the cluster adds the ECS agent's user data and policies.
  const launchTemplate = new ec2.LaunchTemplate(scope, 'GpuLaunchTemplate', {
    instanceType: new ec2.InstanceType(props.settings.instanceType),
    // The ECS GPU-optimised AMI carries the NVIDIA driver and the container toolkit.
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
    userData: ec2.UserData.forLinux(),
    role: new iam.Role(scope, 'GpuInstanceRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }),
    securityGroup,
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
    // Every interface: the load balancer's traffic arrives through the bridge, not on the container's loopback.
    command: cliCommand('function-host', '--port', String(FUNCTION_HOST_PORT), '--host', '0.0.0.0'),
    gpuCount: 1,
    // g5.xlarge: 4 vCPUs, 16 GiB; leave room for the ECS agent.
    memoryReservationMiB: 12 * 1024,
    environment: { ...dataEnvironment(props.data), CORREMBED_EXECUTION_PROVIDER: 'cuda' },
    portMappings: [{ containerPort: FUNCTION_HOST_PORT }],
    logging: ecs.LogDrivers.awsLogs({
      streamPrefix: 'gpu',
      logGroup: new logs.LogGroup(scope, 'GpuLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    }),
  });
  return task;
}

export function createGpuPool(scope: Construct, props: GpuPoolProps): GpuPool {
  const instances = new ec2.SecurityGroup(scope, 'GpuInstanceSecurityGroup', {
    vpc: props.cluster.vpc,
    description: 'GPU function-host instances',
  });
  const provider = capacityProvider(scope, props, instances);
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
  // The load balancer to the tasks' host ports (egress on its group, ingress on the instances'): nothing else.
  pool.loadBalancer.connections.allowTo(instances, DYNAMIC_HOST_PORTS, 'GPU pool load balancer to function-host tasks');
  // The host may not serve /health; any HTTP answer proves it is up.
  pool.targetGroup.configureHealthCheck({ path: '/health', healthyHttpCodes: '200-499' });
  grantDataAccess(props.data, pool.taskDefinition.taskRole, provider.autoScalingGroup, 'GPU function host');
  return { endpoint: `http://${pool.loadBalancer.loadBalancerDnsName}`, loadBalancer: pool.loadBalancer };
}

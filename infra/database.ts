// PostgreSQL 16 in the isolated subnets (an RDS instance or Aurora Serverless v2) with a generated secret, behind an RDS Proxy by default.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { DatabaseSettings } from './settings.js';

const DATABASE_NAME = 'corrembed';
const POSTGRES_PORT = ec2.Port.tcp(5432);

/**
 * What the rest of the stack needs: the secret (host, port, username, password, dbname), the connections workloads
 * are admitted to (the proxy's, or the database's without one) and the host they connect to instead of the secret's.
 */
export interface Database {
  secret: secretsmanager.ISecret;
  connections: ec2.Connections;
  /** DATABASE_HOST: the proxy's endpoint; undefined: the secret's host. */
  host?: string;
}

/** An RDS Proxy in front of `target`: the only client of the database port, at most 90% of its connections. */
function withProxy(
  scope: Construct,
  vpc: ec2.IVpc,
  target: rds.DatabaseInstance | rds.DatabaseCluster,
  secret: secretsmanager.ISecret,
): Database {
  const proxy = target.addProxy('DatabaseProxy', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    secrets: [secret],
    requireTLS: true,
    maxConnectionsPercent: 90,
    // A client beyond the cap waits this long for a connection before its query fails (and is retried).
    borrowTimeout: Duration.seconds(120),
    securityGroups: [
      new ec2.SecurityGroup(scope, 'DatabaseProxySecurityGroup', {
        vpc,
        description: 'RDS Proxy of the database',
        allowAllOutbound: false,
      }),
    ],
  });
  // addProxy opens the database port to the proxy's group; workloads are admitted to the proxy's.
  return {
    secret,
    connections: new ec2.Connections({ securityGroups: proxy.connections.securityGroups, defaultPort: POSTGRES_PORT }),
    host: proxy.endpoint,
  };
}

export function createDatabase(scope: Construct, vpc: ec2.IVpc, settings: DatabaseSettings): Database {
  const common = {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    credentials: rds.Credentials.fromGeneratedSecret('corrembed'),
    storageEncrypted: true,
    removalPolicy: RemovalPolicy.SNAPSHOT,
    deletionProtection: settings.deletionProtection,
  };
  const backupRetention = Duration.days(7);
  const target =
    settings.flavour === 'aurora'
      ? new rds.DatabaseCluster(scope, 'Database', {
          ...common,
          backup: { retention: backupRetention },
          engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
          defaultDatabaseName: DATABASE_NAME,
          writer: rds.ClusterInstance.serverlessV2('writer'),
          serverlessV2MinCapacity: settings.minCapacity,
          serverlessV2MaxCapacity: settings.maxCapacity,
        })
      : new rds.DatabaseInstance(scope, 'Database', {
          ...common,
          backupRetention,
          engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
          databaseName: DATABASE_NAME,
          instanceType: new ec2.InstanceType(settings.instanceType),
          allocatedStorage: 20,
          maxAllocatedStorage: 100,
          multiAz: false,
        });
  const secret = target.secret!;
  return settings.proxy ? withProxy(scope, vpc, target, secret) : { secret, connections: target.connections };
}

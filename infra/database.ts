// PostgreSQL 16 in the isolated subnets (an RDS instance or Aurora Serverless v2) with a generated secret.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { DatabaseSettings } from './settings.js';

const DATABASE_NAME = 'corrembed';

/** What the rest of the stack needs: the secret (host, port, username, password, dbname) and the port's connections. */
export interface Database {
  secret: secretsmanager.ISecret;
  connections: ec2.Connections;
}

export function createDatabase(scope: Construct, vpc: ec2.IVpc, settings: DatabaseSettings): Database {
  const common = {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    credentials: rds.Credentials.fromGeneratedSecret('corrembed'),
    storageEncrypted: true,
    removalPolicy: RemovalPolicy.SNAPSHOT,
  };
  const backupRetention = Duration.days(7);
  if (settings.flavour === 'aurora') {
    const cluster = new rds.DatabaseCluster(scope, 'Database', {
      ...common,
      backup: { retention: backupRetention },
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      defaultDatabaseName: DATABASE_NAME,
      writer: rds.ClusterInstance.serverlessV2('writer'),
      serverlessV2MinCapacity: settings.minCapacity,
      serverlessV2MaxCapacity: settings.maxCapacity,
    });
    return { secret: cluster.secret!, connections: cluster.connections };
  }
  const instance = new rds.DatabaseInstance(scope, 'Database', {
    ...common,
    backupRetention,
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    databaseName: DATABASE_NAME,
    instanceType: new ec2.InstanceType(settings.instanceType),
    allocatedStorage: 20,
    maxAllocatedStorage: 100,
    multiAz: false,
  });
  return { secret: instance.secret!, connections: instance.connections };
}

// The database URL of an AWS deployment: built from the RDS secret (host, port, username, password, dbname) in Secrets Manager.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../errors.js';

interface RdsSecret {
  host?: string;
  port?: number | string;
  username?: string;
  password?: string;
  dbname?: string;
}

/**
 * A postgresql:// URL from an RDS-style secret. TLS is required and, as libpq's `sslmode=require` does, not verified
 * against a CA bundle (the connection stays inside the VPC).
 */
export function urlFromSecret(secret: RdsSecret, host?: string): string {
  for (const field of ['host', 'username', 'password'] as const) {
    if (!secret[field]) throw new ConfigError('DATABASE_SECRET_ARN', `names a secret without "${field}"`);
  }
  const user = encodeURIComponent(secret.username!);
  const password = encodeURIComponent(secret.password!);
  const database = encodeURIComponent(secret.dbname ?? 'postgres');
  return `postgresql://${user}:${password}@${host ?? secret.host}:${secret.port ?? 5432}/${database}?sslmode=require&uselibpqcompat=true`;
}

/**
 * DATABASE_URL when set, else the URL from DATABASE_SECRET_ARN's secret (its host replaced by DATABASE_HOST when set:
 * an RDS Proxy endpoint in front of the database), else undefined (embedded PostgreSQL).
 */
export async function resolveDatabaseUrl(config: {
  databaseUrl: string | undefined;
  databaseSecretArn: string | undefined;
  databaseHost?: string;
}): Promise<string | undefined> {
  if (config.databaseUrl !== undefined || config.databaseSecretArn === undefined) return config.databaseUrl;
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: config.databaseSecretArn }));
    if (!SecretString) throw new ConfigError('DATABASE_SECRET_ARN', 'names a secret without a string value');
    let secret: RdsSecret;
    try {
      secret = JSON.parse(SecretString) as RdsSecret;
    } catch {
      throw new ConfigError('DATABASE_SECRET_ARN', 'names a secret that is not JSON');
    }
    return urlFromSecret(secret, config.databaseHost);
  } finally {
    client.destroy();
  }
}

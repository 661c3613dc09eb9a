// What every workload gets to reach the data: read on the bucket (and write under vectors/), the secret, the database port, and the env naming them.
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Database } from './database.js';

export interface DataPlane {
  bucket: s3.IBucket;
  database: Database;
}

/** Where embedding shards go: one prefix of the bucket, the only one any workload may write. */
const VECTORS_PREFIX = 'vectors';

/**
 * DATABASE_SECRET_ARN (and DATABASE_HOST, the proxy's endpoint), CORREMBED_DATA_ROOTS (manifests
 * are imported from the bucket), CORREMBED_VECTOR_STORE (embedding shards in the bucket, written by the embed
 * functions, read by scoring and the gallery) and NODE_ENV=production (no introspection, no field suggestions), as
 * the application reads them.
 */
export function dataEnvironment(data: DataPlane): Record<string, string> {
  return {
    DATABASE_SECRET_ARN: data.database.secret.secretArn,
    ...(data.database.host === undefined ? {} : { DATABASE_HOST: data.database.host }),
    CORREMBED_DATA_ROOTS: `s3://${data.bucket.bucketName}/`,
    CORREMBED_VECTOR_STORE: `s3://${data.bucket.bucketName}/${VECTORS_PREFIX}`,
    NODE_ENV: 'production',
  };
}

/**
 * Bucket read (and write under the vectors prefix) and secret read for `principal`, and the database (or its proxy)
 * port open to `peer`'s security groups only.
 */
export function grantDataAccess(data: DataPlane, principal: iam.IGrantable, peer: ec2.IConnectable, description: string): void {
  data.bucket.grantRead(principal);
  data.bucket.grantPut(principal, `${VECTORS_PREFIX}/*`);
  data.database.secret.grantRead(principal);
  data.database.connections.allowDefaultPortFrom(peer, description);
}

// The datasets-and-models bucket: private, encrypted, TLS only, kept when the stack is deleted.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export function createBucket(scope: Construct): s3.Bucket {
  return new s3.Bucket(scope, 'Data', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: false,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

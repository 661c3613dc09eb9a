// Parses and validates `s3://bucket/key` URIs, refusing malformed ones with a UserInputError.
import { UserInputError } from '../errors.js';

export interface S3Location {
  bucket: string;
  key: string;
  /** The URI as given; errors name it. */
  uri: string;
}

const S3_PREFIX = /^s3:\/\//i;
/** S3 bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;
/** Longest S3 object key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

/** Whether value is meant as an S3 object (starts with s3://); parseS3Uri says whether it is a valid one. */
export function isS3Uri(value: string): boolean {
  return S3_PREFIX.test(value);
}

function bucketProblem(bucket: string): string | null {
  if (bucket === '') return 'no bucket';
  if (!BUCKET_PATTERN.test(bucket))
    return `bad bucket name "${bucket}" (3 to 63 lowercase letters, digits, dots and hyphens; starts and ends with a letter or digit)`;
  if (bucket.includes('..')) return `bad bucket name "${bucket}" (two dots in a row)`;
  if (IP_ADDRESS.test(bucket)) return `bad bucket name "${bucket}" (looks like an IP address)`;
  return null;
}

/** The bucket and key of `s3://bucket/key`; the key is everything after the first slash, as written. */
export function parseS3Uri(uri: string): S3Location {
  const fail = (problem: string): never => {
    throw new UserInputError(`${uri}: not a valid S3 URI, ${problem}; expected s3://bucket/key`);
  };
  if (!isS3Uri(uri)) fail('it does not start with s3://');
  const rest = uri.replace(S3_PREFIX, '');
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  const problem = bucketProblem(bucket);
  if (problem) fail(problem);
  if (key === '') fail('no key');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) fail(`key longer than ${MAX_KEY_BYTES} bytes`);
  return { bucket, key, uri };
}

/**
 * A path relative to an S3 object's folder, as an s3:// URI (how a manifest in S3 names its images or model file).
 * It may not climb above the bucket's root.
 */
export function resolveS3Relative(baseUri: string, relativePath: string): string {
  const { bucket, key } = parseS3Uri(baseUri);
  const folder = key.split('/').slice(0, -1);
  for (const part of relativePath.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (folder.length === 0) throw new UserInputError(`${relativePath}: climbs above the root of bucket ${bucket}`);
      folder.pop();
    } else folder.push(part);
  }
  return parseS3Uri(`s3://${bucket}/${folder.join('/')}`).uri;
}

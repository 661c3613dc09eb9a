// The application image, built at deploy time from the repo-root Dockerfile: Lambda code per handler, ECS images.
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The Lambda handler modules in the image (dist/functions/<name>.js exporting `handler`). */
export type HandlerName = 'embed' | 'aggregate' | 'api';

/** onnxruntime-node install mode (Dockerfile ORT_INSTALL): CPU-only, or with the CUDA 12 execution provider. */
export type OrtInstall = 'skip' | 'cuda12';

// Lambda and Fargate here run x86_64; pinning the platform keeps builds on arm64 laptops deployable.
const PLATFORM = Platform.LINUX_AMD64;

// Same directory, platform and build args give the same asset hash: the CPU image is built and pushed once.
function assetOptions(ortInstall: OrtInstall) {
  return { platform: PLATFORM, buildArgs: { ORT_INSTALL: ortInstall } };
}

export function handlerCode(directory: string, handler: HandlerName): lambda.DockerImageCode {
  return lambda.DockerImageCode.fromImageAsset(directory, { ...assetOptions('skip'), cmd: [`dist/functions/${handler}.handler`] });
}

export function containerImage(directory: string, ortInstall: OrtInstall): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(directory, assetOptions(ortInstall));
}

/** `node dist/src/cli/corrembed.js ...`: the image's CLI, for ECS (the image's own entrypoint is Lambda's). */
export const CLI_ENTRY_POINT = ['node'];
export function cliCommand(...args: string[]): string[] {
  return ['dist/src/cli/corrembed.js', ...args];
}

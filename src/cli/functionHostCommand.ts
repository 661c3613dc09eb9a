// `corrembed function-host`: serves the Lambda Invoke route with the real embed and aggregate handlers (local dev, GPU pools).
import { UserInputError } from '../errors.js';
import type { FunctionHandler } from '../executors/invokeHost.js';
import { FUNCTION_HOST, parseCommand } from './commandSpecs.js';
import { parseEnvironment } from '../config.js';

const log = (line: string): void => console.error(`[corrembed] ${line}`);

export async function functionHostCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(FUNCTION_HOST, argv);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UserInputError(`--port must be an integer from 0 to 65535 (got "${values.port}")`);
  // The handlers (onnxruntime, Prisma, the AWS SDK) load once the arguments are checked: a usage error answers at once.
  const [{ handleAggregate }, { handleEmbed }, { closeFunctionRuntime }, { startInvokeHost }] = await Promise.all([
    import('../serverless/aggregateFunction.js'),
    import('../serverless/embedFunction.js'),
    import('../serverless/functionRuntime.js'),
    import('../executors/invokeHost.js'),
  ]);
  const functions: Record<string, FunctionHandler> = { embed: handleEmbed, aggregate: handleAggregate };
  const { CORREMBED_EMBED_FUNCTION: embed, CORREMBED_AGGREGATE_FUNCTION: aggregate } = parseEnvironment(process.env);
  if (embed) functions[embed.split(':').pop()!] = handleEmbed;
  if (aggregate) functions[aggregate.split(':').pop()!] = handleAggregate;
  const host = await startInvokeHost({ functions, port, host: values.host, log });
  const shutdown = async (): Promise<void> => {
    await host.close();
    await closeFunctionRuntime();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  console.log(
    `Lambda Invoke endpoint: ${host.endpoint.replace('127.0.0.1', values.host)} (functions: ${Object.keys(functions).join(', ')})`,
  );
}

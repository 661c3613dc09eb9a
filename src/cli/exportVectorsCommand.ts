// `corrembed export-vectors`: one evaluation's stored vectors as a .npy matrix and an ids file, for the user's own tools.
import { resolve } from 'node:path';
import { configureProcess } from '../config/applyConfig.js';
import { UserInputError } from '../errors.js';
import { EXPORT_VECTORS, parseCommand } from './commandSpecs.js';

const DTYPES = ['float32', 'float16'] as const;

export async function exportVectorsCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(EXPORT_VECTORS, argv);
  const config = configureProcess();
  if (!values.run) throw new UserInputError('--run <run id> is required');
  if (!values.out) throw new UserInputError('--out <file.npy> is required');
  const dtype = DTYPES.find((d) => d === values.dtype);
  if (dtype === undefined) throw new UserInputError(`--dtype must be float32 or float16 (got "${values.dtype}")`);
  // The services (Prisma among them) load once the arguments are checked: a usage error answers at once.
  const [{ composeServices }, { exportRunVectors, idsPathFor }] = await Promise.all([
    import('../services.js'),
    import('../runs/vectorExport.js'),
  ]);
  const services = await composeServices(config, 'command', (line) => process.stderr.write(`${line}\n`));
  try {
    const result = await exportRunVectors(services.prisma, services.cache, {
      runId: values.run,
      model: values.model,
      out: resolve(values.out),
      dtype,
    });
    const still = result.evaluationStatus === 'succeeded' ? '' : ` (evaluation ${result.evaluationStatus})`;
    console.log(
      `${result.rows} x ${result.dim} ${dtype} of model "${result.model.name}" (${result.model.id}) -> ${values.out}, ids in ` +
        `${idsPathFor(values.out)}; ${result.missing} of the dataset's ${result.rows + result.missing} images had no vector${still}`,
    );
  } finally {
    await services.close();
  }
}

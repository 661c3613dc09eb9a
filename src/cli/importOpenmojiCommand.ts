// `corrembed import-openmoji`: writes an OpenMoji dataset (PNG images, manifest.json, attribution) from the openmoji package.
import { UserInputError } from '../errors.js';
import { IMPORT_OPENMOJI, parseCommand } from './commandSpecs.js';
import { configureProcess } from '../config/applyConfig.js';

/** Emoji between two progress lines on stderr. */
const PROGRESS_EVERY = 100;

function integerFlag(value: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  if (!Number.isInteger(n) || n < min || n > max) throw new UserInputError(`--${flag} must be an integer ${range} (got "${value}")`);
  return n;
}

function groupsFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const groups = value.split(',').map((g) => g.trim());
  if (groups.some((g) => g === '')) throw new UserInputError(`--groups must be comma-separated group names (got "${value}")`);
  return groups;
}

export async function importOpenmojiCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(IMPORT_OPENMOJI, argv);
  configureProcess();
  if (!values.out) throw new UserInputError('--out <dir> is required');
  const groups = groupsFlag(values.groups);
  const limit = integerFlag(values.limit, 'limit', 1);
  const size = integerFlag(values.size, 'size', 8, 2048);
  // The rasteriser (sharp) loads once the arguments are checked: a usage error answers at once.
  const { importOpenmoji } = await import('../importers/openmoji.js');
  const result = await importOpenmoji({
    out: values.out,
    source: values.source,
    groups,
    limit,
    size,
    includeSkinTones: values['include-skin-tones'],
    onProgress: (done, total) => {
      if (done % PROGRESS_EVERY === 0 || done === total) process.stderr.write(`import-openmoji: ${done}/${total} emoji rasterised\n`);
    },
  });
  console.log(
    `wrote ${result.items} emoji (${result.images} images) of OpenMoji ${result.version} to ${result.manifestPath}; skipped ${result.skipped.length} rows without an SVG`,
  );
}

// `corrembed import-openmoji`: writes an OpenMoji dataset (PNG images, manifest.json, attribution) from the openmoji package.
import { parseArgs } from 'node:util';
import { UserInputError } from '../errors.js';
import { DEFAULT_OPENMOJI_SIZE, importOpenmoji } from '../importers/openmoji.js';

export const IMPORT_OPENMOJI_USAGE = `usage: corrembed import-openmoji --out <dir> [--groups <group,group>] [--limit N] [--size 72] [--include-skin-tones] [--source <dir>]

  --out                 folder for manifest.json, images/<hexcode>-{color,black}.png, ATTRIBUTION.md and LICENSE
  --groups              only these OpenMoji groups, comma-separated (e.g. animals-nature,food-drink; default: all)
  --limit               the first N emoji in the CSV's order that have both SVGs (default: all)
  --size                PNG width and height in pixels, 8 to 2048 (default ${DEFAULT_OPENMOJI_SIZE})
  --include-skin-tones  add skin-tone variants as extra images of their base emoji's item (default: left out)
  --source              the openmoji package folder (default: the installed npm package)`;

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
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      groups: { type: 'string' },
      limit: { type: 'string' },
      size: { type: 'string' },
      'include-skin-tones': { type: 'boolean', default: false },
      source: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return void console.log(IMPORT_OPENMOJI_USAGE);
  if (!values.out) throw new UserInputError('--out <dir> is required');
  const result = await importOpenmoji({
    out: values.out,
    source: values.source,
    groups: groupsFlag(values.groups),
    limit: integerFlag(values.limit, 'limit', 1),
    size: integerFlag(values.size, 'size', 8, 2048),
    includeSkinTones: values['include-skin-tones'],
    onProgress: (done, total) => {
      if (done % PROGRESS_EVERY === 0 || done === total) process.stderr.write(`import-openmoji: ${done}/${total} emoji rasterised\n`);
    },
  });
  console.log(`wrote ${result.items} emoji (${result.images} images) of OpenMoji ${result.version} to ${result.manifestPath}; skipped ${result.skipped.length} rows without an SVG`);
}

// What each corrembed command accepts (usage text and flags), kept apart from the commands so help and usage errors load nothing heavy.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_OPENMOJI_SIZE } from '../importers/openmojiPackage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends Options = Options> {
  usage: string;
  options: O;
  /** Whether the command takes positional arguments (image paths). */
  positionals: boolean;
}

const help = { help: { type: 'boolean', short: 'h', default: false } } as const;

/** Parses a command's arguments by its spec (strict: an unknown flag or a missing value is an ERR_PARSE_ARGS error). */
export function parseCommand<O extends Options>(spec: CommandSpec<O>, argv: string[]) {
  return parseArgs({ args: argv, options: spec.options, strict: true, allowPositionals: spec.positionals });
}

export const SCORE = {
  usage: `usage: corrembed score --dataset <manifest.json> [--embeddings <file.npy>] [--options <options.json>] [--json]

  --dataset      dataset manifest (items, tags, images in dataset order, categoryWeights)
  --embeddings   NumPy .npy matrix, float32 or float16, one row per manifest image (default: inline "embedding" arrays)
  --options      JSON: preset, tagWeighting, roundWeights, weightRounding, tagIdentity, dropCategories,
                 representative, includeSelf, roundSimilarity, correlation, queries, precision, perCategory,
                 bootstrap, retrieval, baselines (see docs/metric.md; { "preset": "corrected" } turns every
                 correction of the authors' notebook quirks on)
  --json         print one JSON object on stdout instead of the summary`,
  options: {
    dataset: { type: 'string' },
    embeddings: { type: 'string' },
    options: { type: 'string' },
    json: { type: 'boolean', default: false },
    ...help,
  },
  positionals: false,
} as const satisfies CommandSpec;

export const IMPORT_CATALOGUE = {
  usage: `usage: corrembed import-catalogue --catalogue <file> [mapping] [--orders <file>] [--name <name>] [--check-images all|N]
                                  [--skip-invalid] [--dry-run] [--json]

  --catalogue             .csv, .tsv, .jsonl or .parquet, one row per item (--format csv|tsv|jsonl|parquet overrides
                          the extension); local image paths are relative to its folder (see docs/data.md)
  mapping (any part left out is inferred from the first rows, and the whole mapping printed):
  --mapping <file.json>   { "id", "images": [...], "imageDelimiter", "tags": [...], "tagDelimiter", "rename": {...}, "drop": [...] }
  --id <column>           the item id column
  --image <column>        an image column (repeatable, in image order); --image-delimiter "|" splits a multi-valued one
  --tag <column>          a tag column, its name the category (repeatable); --tag-delimiter "|" splits "red|white"
  --rename <col=Category> name a tag column's category (repeatable); --drop <column> leaves a column out (repeatable)
  --orders <file>         orders export: user id, item id (columns named so, else the first two; CSV, TSV, JSON Lines, Parquet):
                          category weights as \`corrembed weights\` computes them, stored with the dataset
                          (--min-orders 10, --ignore-unknown-items, --orders-format as for --catalogue)
  --check-images          read and decode all images (default) or a random sample of N (0: none) before storing
  --skip-invalid          store the good rows when some are bad (default: store nothing, exit 2)
  --dry-run               print the report only; no database needed
  --json                  print { "status", "datasetId", "report" } on stdout
  database: DATABASE_URL (or the embedded one under CORREMBED_DATA_DIR), as \`corrembed serve\`; or, with
  --url <graphql url> [--key <admin key>] (default CORREMBED_API_KEY), the running platform imports the files
  (which must lie under its CORREMBED_DATA_ROOTS)`,
  options: {
    catalogue: { type: 'string' },
    format: { type: 'string' },
    mapping: { type: 'string' },
    id: { type: 'string' },
    image: { type: 'string', multiple: true },
    'image-delimiter': { type: 'string' },
    tag: { type: 'string', multiple: true },
    'tag-delimiter': { type: 'string' },
    rename: { type: 'string', multiple: true },
    drop: { type: 'string', multiple: true },
    name: { type: 'string' },
    orders: { type: 'string' },
    'orders-format': { type: 'string' },
    'min-orders': { type: 'string' },
    'ignore-unknown-items': { type: 'boolean', default: false },
    'check-images': { type: 'string', default: 'all' },
    'skip-invalid': { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    url: { type: 'string' },
    key: { type: 'string' },
    ...help,
  },
  positionals: false,
} as const satisfies CommandSpec;

export const WEIGHTS = {
  usage: `usage: corrembed weights --orders <orders.csv> --dataset <manifest.json> [--min-orders 10] [--drop <category>]... [--none-tag merge|separate] [--preset notebook|corrected] [--ignore-unknown-items] [--json]

  --orders                CSV with a header row, then one order per line: user id, item id
  --dataset               dataset manifest whose items carry the tags
  --min-orders            users need more than this many orders to count (default 10, as the paper)
  --drop                  leave a category out (repeatable; the paper dropped Size, Fit, Shoe Size)
  --none-tag              merge (default, the authors' code): a tag named "None" shares the bucket of orders whose
                          item lacks the category; separate: the missing bucket is its own
  --preset                notebook (default) or corrected (--none-tag separate); an explicit --none-tag wins
  --ignore-unknown-items  skip orders of items not in the dataset instead of failing
  --json                  print { "categoryWeights": {...}, ... } on stdout`,
  options: {
    orders: { type: 'string' },
    dataset: { type: 'string' },
    'min-orders': { type: 'string' },
    drop: { type: 'string', multiple: true },
    'none-tag': { type: 'string' },
    preset: { type: 'string' },
    'ignore-unknown-items': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    ...help,
  },
  positionals: false,
} as const satisfies CommandSpec;

export const IMPORT_OPENMOJI = {
  usage: `usage: corrembed import-openmoji --out <dir> [--groups <group,group>] [--limit N] [--size 72] [--include-skin-tones] [--source <dir>]

  --out                 folder for manifest.json, images/<hexcode>-{color,black}.png, ATTRIBUTION.md and LICENSE
  --groups              only these OpenMoji groups, comma-separated (e.g. animals-nature,food-drink; default: all)
  --limit               the first N emoji in the CSV's order that have both SVGs (default: all)
  --size                PNG width and height in pixels, 8 to 2048 (default ${DEFAULT_OPENMOJI_SIZE})
  --include-skin-tones  add skin-tone variants as extra images of their base emoji's item (default: left out)
  --source              the openmoji package folder (default: the installed npm package)`,
  options: {
    out: { type: 'string' },
    groups: { type: 'string' },
    limit: { type: 'string' },
    size: { type: 'string' },
    'include-skin-tones': { type: 'boolean', default: false },
    source: { type: 'string' },
    ...help,
  },
  positionals: false,
} as const satisfies CommandSpec;

export const EMBED = {
  usage: `usage: corrembed embed --manifest <model.json> [--json] [--unit] [--npy <file.npy>] <image>...

  --manifest   model manifest: { "name", "file" (.onnx, relative to the manifest), "preprocess": { "resize", "crop",
               "interpolation", "mean", "std" }, "output"? }
  --json       print { "dim": d, "embeddings": [ { "image", "vector" } ] } on stdout
  --unit       scale each vector to unit length, as the platform stores them (an all-zero vector stays zero)
  --npy        also write the vectors as a float32 NumPy matrix, one row per image in the order given
  <image>      paths (relative to the current folder) or http(s) URLs; any image that fails stops the command`,
  options: {
    manifest: { type: 'string' },
    json: { type: 'boolean', default: false },
    unit: { type: 'boolean', default: false },
    npy: { type: 'string' },
    ...help,
  },
  positionals: true,
} as const satisfies CommandSpec;

export const EXPORT_VECTORS = {
  usage: `usage: corrembed export-vectors --run <run id> [--model <model id or name>] --out <file.npy> [--dtype float32|float16]

  --run     the run whose vectors to write (\`corrembed evaluate\` prints its id)
  --model   which of the run's models (its id or name); may be left out when the run has one
  --out     the NumPy matrix: one row per dataset image that has a vector, in dataset order, unit length; beside it
            <file>.ids.txt (vectors.npy -> vectors.ids.txt) lists the rows' image ids (the manifest's), one a line
  --dtype   float32 (default: the stored float16 values, exactly) or float16 (the stored values as they are)
  database: DATABASE_URL (or the embedded one under CORREMBED_DATA_DIR), as \`corrembed serve\``,
  options: {
    run: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    dtype: { type: 'string', default: 'float32' },
    ...help,
  },
  positionals: false,
} as const satisfies CommandSpec;

export const SERVE = {
  usage: `usage: corrembed serve [--demo] [--port <port>]

  --demo   seed the Fashion-MNIST demo dataset and demo models, run a demo evaluation, print the leaderboard
  --port   HTTP/WebSocket port (default: PORT or 4000)
  Configuration comes from the environment (see docs/configuration.md): DATABASE_URL, CORREMBED_ADMIN_KEY, ...`,
  options: { demo: { type: 'boolean', default: false }, port: { type: 'string' }, ...help },
  positionals: false,
} as const satisfies CommandSpec;

export const FUNCTION_HOST = {
  usage: `usage: corrembed function-host [--port <port>] [--host <address>]

  Serves POST /2015-03-31/functions/{name}/invocations (the Lambda Invoke API) and runs the embed and aggregate
  handlers in this process: a local stand-in for AWS Lambda, or a GPU worker (CORREMBED_EXECUTION_PROVIDER=cuda)
  that the Lambda executor reaches through CORREMBED_LAMBDA_ENDPOINT. Functions answer to "embed" and "aggregate"
  and to CORREMBED_EMBED_FUNCTION / CORREMBED_AGGREGATE_FUNCTION. Needs DATABASE_URL (or DATABASE_SECRET_ARN).
  --port   default 9000     --host   default 127.0.0.1`,
  options: { port: { type: 'string', default: '9000' }, host: { type: 'string', default: '127.0.0.1' }, ...help },
  positionals: false,
} as const satisfies CommandSpec;

const CLIENT_USAGE = `usage: corrembed import --dataset <manifest.json> [--name <name>] | --model <model.json>
       corrembed evaluate --dataset <datasetId> --model <modelId> [--model <modelId>...] [--options <options.json>] [--json]
       corrembed leaderboard --dataset <datasetId> [--json]

  common: --url <graphql url> (default CORREMBED_URL or http://localhost:$PORT/graphql), --key <api key> (default CORREMBED_API_KEY)`;

const client = { url: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean', default: false }, ...help } as const;

export const IMPORT = {
  usage: CLIENT_USAGE,
  options: { ...client, dataset: { type: 'string' }, model: { type: 'string' }, name: { type: 'string' } },
  positionals: false,
} as const satisfies CommandSpec;

export const EVALUATE = {
  usage: CLIENT_USAGE,
  options: { ...client, dataset: { type: 'string' }, model: { type: 'string', multiple: true }, options: { type: 'string' } },
  positionals: false,
} as const satisfies CommandSpec;

export const LEADERBOARD = {
  usage: CLIENT_USAGE,
  options: { ...client, dataset: { type: 'string' } },
  positionals: false,
} as const satisfies CommandSpec;

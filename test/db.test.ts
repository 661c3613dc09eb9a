// The database layer on a real PostgreSQL: migrations from empty, idempotent and concurrent opens, drift, the embedded server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db/database.js';
import { applyMigrations, MIGRATIONS_DIR, readMigrations } from '../src/db/migrations.js';
import { dropDatabase, ensureDatabase } from '../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from './support/testDatabase.js';
import { Prisma } from '../src/generated/prisma/client.js';
import { parseScoreOptions } from '../src/metric/options.js';
import { usesDefaultMetric } from '../src/analysis/leaderboard.js';

/** Runs `work` on a fresh, not yet created database URL and drops that database afterwards. */
async function withFreshUrl(work: (url: string) => Promise<void>): Promise<void> {
  const url = uniqueTestDatabaseUrl();
  try {
    await work(url);
  } finally {
    await dropDatabase(url);
  }
}

async function query<T extends pg.QueryResultRow>(db: Database, sql: string): Promise<T[]> {
  return (await db.pool!.query<T>(sql)).rows;
}

/** Tables, columns, enums, indexes and constraints of the public schema, as comparable text. */
async function catalog(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const queries = [
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> '_corrembed_migrations' ORDER BY 1, 2`,
      `SELECT t.typname, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid ORDER BY t.typname, e.enumsortorder`,
      `SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_corrembed_migrations' ORDER BY 1, 2`,
      `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_corrembed_migrations' ORDER BY 1, 2`,
    ];
    const parts = [];
    for (const sql of queries) parts.push(await client.query(sql));
    return parts.flatMap((p) => p.rows.map((row) => JSON.stringify(row)));
  } finally {
    await client.end();
  }
}

test('migrations create every table on an empty database; a second open applies nothing', async () => {
  await withFreshUrl(async (url) => {
    const lines: string[] = [];
    const db = await openDatabase({ databaseUrl: url, dataDir: '', log: (line) => lines.push(line) });
    try {
      assert.equal(db.embedded, false);
      assert.ok(
        lines.some((l) => l.startsWith('database: created ')),
        lines.join('\n'),
      );
      const migrations = await readMigrations();
      assert.deepEqual(lines.filter((l) => l.includes('applied migration')).length, migrations.length);
      const tables = await query<{ table_name: string }>(
        db,
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
      );
      for (const model of Object.values(Prisma.ModelName))
        assert.ok(
          tables.some((t) => t.table_name === model),
          `table ${model}`,
        );
      await db.prisma.apiKey.create({ data: { name: 'k', keyHash: 'h', scopes: ['admin'] } });

      const again: string[] = [];
      const second = await openDatabase({ databaseUrl: url, dataDir: '', log: (line) => again.push(line) });
      await second.close();
      assert.deepEqual(again, []);
      const applied = await query<{ name: string }>(db, 'SELECT name FROM _corrembed_migrations ORDER BY name');
      assert.deepEqual(
        applied.map((r) => r.name),
        migrations.map((m) => m.name),
      );
      assert.equal(await db.prisma.apiKey.count(), 1);
    } finally {
      await db.close();
    }
  });
});

test('two openers racing on a missing database create it once and apply each migration once', async () => {
  await withFreshUrl(async (url) => {
    const dbs = await Promise.all([0, 1].map(() => openDatabase({ databaseUrl: url, dataDir: '' })));
    try {
      const applied = await query<{ count: string }>(dbs[0], 'SELECT count(*) FROM _corrembed_migrations');
      assert.equal(Number(applied[0].count), (await readMigrations()).length);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });
});

test('an applied migration that was edited since is refused', async () => {
  await withFreshUrl(async (url) => {
    const db = await openDatabase({ databaseUrl: url, dataDir: '' });
    try {
      await db.pool!.query(`UPDATE _corrembed_migrations SET checksum = 'edited'`);
      await assert.rejects(openDatabase({ databaseUrl: url, dataDir: '' }), /was edited after it was applied/);
    } finally {
      await db.close();
    }
  });
});

test('a failing migration is rolled back and named; the ones before it stay applied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corrembed-migrations-'));
  const write = (name: string, sql: string) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  };
  write('001_good', 'CREATE TABLE good (id int);');
  write('002_bad', 'CREATE TABLE bad (id int); SELECT 1 / 0;');
  try {
    await withFreshUrl(async (url) => {
      await ensureDatabase(url);
      const pool = new pg.Pool({ connectionString: url });
      try {
        await assert.rejects(applyMigrations(pool, { dir }), /migration 002_bad failed: division by zero/);
        const tables = await pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
        assert.deepEqual(
          tables.rows.map((r) => r.table_name),
          ['_corrembed_migrations', 'good'],
        );
        const applied = await pool.query('SELECT name FROM _corrembed_migrations');
        assert.deepEqual(
          applied.rows.map((r) => r.name),
          ['001_good'],
        );
      } finally {
        await pool.end();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runs stored before the notebook-quirk options keep the metric they were scored with', async () => {
  const before = mkdtempSync(join(tmpdir(), 'corrembed-migrations-'));
  for (const { name } of await readMigrations()) {
    if (name < '20261205000000') cpSync(join(MIGRATIONS_DIR, name), join(before, name), { recursive: true });
  }
  // What such a run stored: today's parsed defaults without the keys the quirk options added.
  const { preset, weightRounding, tagIdentity, dropCategories, ...oldOptions } = parseScoreOptions({});
  try {
    await withFreshUrl(async (url) => {
      await ensureDatabase(url);
      const pool = new pg.Pool({ connectionString: url });
      try {
        await applyMigrations(pool, { dir: before });
        await pool.query(
          `INSERT INTO "Dataset" (id, name, "manifestPath", "rootDir", "categoryWeights") VALUES ('d', 'd', '/m', '/', '{}')`,
        );
        await pool.query(`INSERT INTO "Run" (id, "datasetId", options, "updatedAt") VALUES ('old', 'd', $1, now())`, [oldOptions]);
        assert.equal(usesDefaultMetric(oldOptions), true, "without the migration an old run reads as one under today's defaults");
        await applyMigrations(pool);
        const { rows } = await pool.query<{ options: Record<string, unknown> }>(`SELECT options FROM "Run" WHERE id = 'old'`);
        assert.deepEqual(rows[0]!.options, { ...oldOptions, tagIdentity: 'category', weightRounding: 'halfEven', dropCategories: [] });
        assert.deepEqual([preset, weightRounding, tagIdentity, dropCategories.length], ['notebook', 'python', 'name', 4]);
        assert.equal(usesDefaultMetric(rows[0]!.options), false);
      } finally {
        await pool.end();
      }
    });
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
});

test('the committed migrations build exactly what prisma/schema.prisma describes', async () => {
  await withFreshUrl(async (fromSchema) => {
    await ensureDatabase(fromSchema); // the CLI connects to DATABASE_URL even for --from-empty
    const cli = [
      'node_modules/prisma/build/index.js',
      'migrate',
      'diff',
      '--from-empty',
      '--to-schema-datamodel',
      'prisma/schema.prisma',
      '--script',
    ];
    const result = spawnSync(process.execPath, cli, {
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1', DATABASE_URL: fromSchema },
    });
    assert.equal(result.status, 0, result.stderr);
    const client = new pg.Client({ connectionString: fromSchema });
    await client.connect();
    await client.query(result.stdout).finally(() => client.end());
    await withFreshUrl(async (fromMigrations) => {
      await (await openDatabase({ databaseUrl: fromMigrations, dataDir: '' })).close();
      assert.deepEqual(await catalog(fromMigrations), await catalog(fromSchema));
    });
  });
});

test('without a URL an embedded PostgreSQL starts under dataDir and keeps its data across restarts', async () => {
  const base = mkdtempSync(join(tmpdir(), 'corrembed-embedded-'));
  chmodSync(base, 0o755); // as root the cluster runs as user postgres
  const dataDir = join(base, 'pg');
  const hooks = () => ['SIGINT', 'SIGTERM', 'beforeExit', 'exit'].map((event) => process.listenerCount(event));
  const hooksBefore = hooks();
  try {
    const first = await openDatabase({ dataDir });
    assert.deepEqual(hooks(), [...hooksBefore.slice(0, 3), hooksBefore[3] + 1], "only an 'exit' hook, and no hook that exits the process");
    let id: string;
    try {
      assert.equal(first.embedded, true);
      assert.match(first.url, /^postgresql:\/\/postgres:[0-9a-f]+@127\.0\.0\.1:\d+\/corrembed$/);
      id = (
        await first.prisma.dataset.create({
          data: { name: 'kept', manifestPath: '/m.json', rootDir: '/', categoryWeights: { Color: 0.5 } },
        })
      ).id;
    } finally {
      await first.close();
    }
    const lines: string[] = [];
    const second = await openDatabase({ dataDir, log: (line) => lines.push(line) });
    try {
      assert.equal(
        lines.some((l) => l.includes('initialising') || l.includes('applied migration')),
        false,
        lines.join('\n'),
      );
      const kept = await second.prisma.dataset.findUniqueOrThrow({ where: { id } });
      assert.equal(kept.name, 'kept');
      assert.deepEqual(kept.categoryWeights, { Color: 0.5 });
    } finally {
      await second.close();
    }
    assert.deepEqual(hooks(), hooksBefore);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

// Prisma CLI configuration: the JavaScript schema engine over the pg driver adapter, so no engine binary is downloaded.
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

function connection(url: string) {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname),
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    user: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    allowExitOnIdle: true, // the CLI exits as soon as it is done instead of waiting out idle connections
  };
}

// The schema's env("DATABASE_URL") must resolve even for `prisma generate`, which connects to nothing.
const databaseUrl = (process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/postgres');

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg(connection(databaseUrl)),
});

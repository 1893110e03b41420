// Prisma CLI configuration: the JS schema engine over a driver adapter, so no engine binary is
// ever downloaded. The CLI (generate, migrate diff/deploy) talks to the same database the app
// would open: DATABASE_URL when it is a postgres URL, else embedded PGlite in the data directory.
import { defineConfig } from 'prisma/config';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

// One adapter per CLI process: Prisma may ask more than once, and the embedded database's
// directory lock (rightly) refuses a second opener.
let opened: Promise<SqlMigrationAwareDriverAdapterFactory> | undefined;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter() {
    opened ??= openAdapter();
    return opened;
  },
});

async function openAdapter(): Promise<SqlMigrationAwareDriverAdapterFactory> {
  // Prisma loads this file with jiti, which would evaluate `server-only`'s throwing default
  // export (every lib/db module imports it). So the adapter is loaded only when a command needs
  // the database (`generate`, run by `npm install`, does not), through Node's own loader with
  // the hook our other non-Next hosts use (lib/server-only-hook.mjs) and tsx for TypeScript.
  const { register } = await import('node:module');
  register('./lib/server-only-hook.mjs', import.meta.url);
  const { tsImport } = await import('tsx/esm/api');
  const { createAdapterFactory } = (await tsImport(
    './lib/db/adapter.ts',
    import.meta.url,
  )) as typeof import('./lib/db/adapter');
  return (await createAdapterFactory()).factory;
}

// Prisma CLI configuration: the JS schema engine over a driver adapter, so no engine binary is
// ever downloaded. The CLI (generate, migrate diff/deploy) talks to the same database the app
// would open: DATABASE_URL when it is a postgres URL, else embedded PGlite in the data directory.
import { defineConfig } from 'prisma/config';
import { createAdapterFactory } from './lib/db/adapter';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  async adapter() {
    return (await createAdapterFactory()).factory;
  },
});

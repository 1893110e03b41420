// Seeds the demo data into the configured database (DATABASE_URL or DRAWBRIDGE_DATA_DIR).
// `npm start` runs it when the database is empty; `npm run db:seed -- --force` re-runs it (idempotent).
import { openDatabase } from '../lib/db';
import { getStore } from '../lib/storage';
import { isEmptyDatabase, seedDemo } from '../lib/registry/seed-demo';

const force = process.argv.includes('--force');
const { db, adapter, close } = await openDatabase();
try {
  if (force || (await isEmptyDatabase(db))) {
    const r = await seedDemo(db, getStore());
    console.log(`drawbridge: seeded ${r.users} demo users and ${r.jobs} training jobs into ${adapter.kind} (${adapter.location})`);
  } else {
    console.log(`drawbridge: database at ${adapter.location} already has data; not seeding (use --force to top up the demo data)`);
  }
} finally {
  await close();
}

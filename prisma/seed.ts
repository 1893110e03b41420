// Seeds the demo data into the configured database (DATABASE_URL or DRAWBRIDGE_DATA_DIR).
// `npm start` runs it: in demo mode (the default on the embedded database, DRAWBRIDGE_DEMO=1
// elsewhere) an empty database gets the demo team, training jobs and the lived-in demo (exports,
// deployments, requests under review, comments: lib/registry/seed-demo-scene.ts); outside demo mode
// nothing is seeded, because the demo accounts have published passwords. `--force` tops up
// (idempotent). `--jobs-only` seeds the team and jobs without the scene (the shared e2e server).
import { demoMode } from '../lib/config';
import { openDatabase } from '../lib/db';
import { getStore } from '../lib/storage';
import { isEmptyDatabase } from '../lib/registry/seed-demo';
import { seedDemoData } from '../lib/registry/seed-demo-scene';

const force = process.argv.includes('--force');
const jobsOnly = process.argv.includes('--jobs-only');
const { db, adapter, close } = await openDatabase().catch((e) => {
  // Another process holds the embedded database (lib/db/data-dir-lock): say who, not a stack trace.
  if (e?.code !== 'data_dir_in_use') throw e;
  const next =
    e.owner?.kind === 'server'
      ? `Is Drawbridge already running? Use it${e.owner.url ? ` at ${e.owner.url}` : ''}, or stop it (pid ${e.owner.pid}) first.`
      : `Wait for it to finish (or stop it: kill ${e.owner?.pid}), then start again.`;
  console.error(`drawbridge: cannot start: ${e.message}\n${next}`);
  process.exit(1);
});
try {
  const empty = await isEmptyDatabase(db);
  if (force || (empty && demoMode())) {
    const said = await seedDemoData(db, getStore(), { jobsOnly });
    console.log(`drawbridge: ${said} into ${adapter.kind} (${adapter.location})`);
  } else if (empty) {
    console.log(
      `drawbridge: the database at ${adapter.location} has no accounts yet. Create the first admin with\n` +
        '  npx drawbridge users create --email you@example.org --name "Your Name" --role admin\n' +
        '(or start with DRAWBRIDGE_DEMO=1 for the demo data).',
    );
  } else {
    console.log(
      `drawbridge: database at ${adapter.location} already has data; not seeding (use --force to top up the demo data)`,
    );
  }
} finally {
  await close();
}

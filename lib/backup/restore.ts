/**
 * `drawbridge restore`: an archive into an empty data directory (embedded) or an empty PostgreSQL
 * database. Nothing is written where the data will live until the whole archive has been read
 * and verified into a staging directory; the rows then load in one transaction, and the staged
 * files move into place by rename. A refusal at any step leaves the target as it was.
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { defaultMigrationsDir, readMigrations } from '../db/migrate';
import { FsArtifactStore } from '../storage/fs-store';
import type { ArtifactStore } from '../storage/types';
import { DATABASE_NAME } from './manifest';
import { readArchive } from './read-archive';
import { checkDump } from './restore-dump';
import { loadInTransaction } from './restore-load';
import { pgliteSession, postgresSession, type Session } from './restore-session';
import { checkDirEmpty, checkMigrations, checkPostgresEmpty, checkStoreEmpty, moveIntoPlace } from './restore-targets';

/** PostgreSQL's artifacts go to `store` (an S3 bucket) when given, else to `dataDir`/artifacts. */
export type RestoreTarget =
  { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; dataDir: string; store?: ArtifactStore };
export type RestoreSummary = {
  tables: number;
  rows: number;
  artifacts: number;
  artifactBytes: number;
  migrations: number;
};

export async function restoreBackup(
  source: AsyncIterable<Uint8Array>,
  target: RestoreTarget,
  opts: { migrationsDir?: string } = {},
): Promise<RestoreSummary> {
  const migrationsDir = opts.migrationsDir ?? defaultMigrationsDir();
  const targetMigrations =
    target.kind === 'postgres'
      ? await checkPostgresEmpty(target.url)
      : (await checkDirEmpty(target.dataDir, 'data directory'), []);
  if (target.kind === 'postgres' && target.store) await checkStoreEmpty(target.store);
  else if (target.kind === 'postgres') await checkDirEmpty(path.join(target.dataDir, 'artifacts'), 'artifact store');

  const stageParent = target.kind === 'pglite' ? path.dirname(target.dataDir) : target.dataDir;
  await fsp.mkdir(stageParent, { recursive: true });
  const stage = path.join(
    stageParent,
    `.${target.kind === 'pglite' ? path.basename(target.dataDir) : 'artifacts'}.restore-${crypto.randomBytes(6).toString('hex')}`,
  );
  await fsp.mkdir(path.join(stage, 'artifacts'), { recursive: true });
  const dumpFile = path.join(stage, DATABASE_NAME);
  const staged = new FsArtifactStore(path.join(stage, 'artifacts'));
  try {
    const manifest = await readArchive(source, {
      manifest: (m) => checkMigrations(m, migrationsDir, targetMigrations),
      database: async (body) => {
        const fh = await fsp.open(dumpFile, 'wx', 0o600);
        try {
          for await (const chunk of body) await fh.write(chunk);
        } finally {
          await fh.close();
        }
      },
      artifact: async (sha256, body) => {
        await staged.put(body, { expectedSha256: sha256 });
      },
    });
    await checkDump(manifest, dumpFile); // a bad dump is refused before any database is opened
    const migrations = readMigrations(migrationsDir);
    const session: Session & { close(): Promise<void> } =
      target.kind === 'pglite' ? await pgliteSession(path.join(stage, 'pglite')) : await postgresSession(target.url);
    let rows: number;
    let moved = false;
    try {
      rows = await loadInTransaction(session, manifest, migrations, dumpFile, async () => {
        // PostgreSQL: the artifacts take their place just before the rows commit, and leave if the commit fails.
        if (target.kind === 'postgres' && target.store) {
          moved = true; // a failed copy leaves some of them: the catch removes what arrived
          for (const a of manifest.artifacts)
            await target.store.put(await staged.stream(a.sha256), { expectedSha256: a.sha256 });
        } else if (target.kind === 'postgres') {
          await moveIntoPlace(path.join(stage, 'artifacts'), path.join(target.dataDir, 'artifacts'));
          moved = true;
        }
      }).catch(async (e) => {
        if (moved && target.kind === 'postgres' && target.store) {
          const store = target.store;
          for (const a of manifest.artifacts) await store.delete(a.sha256).catch(() => false);
        } else if (moved && target.kind === 'postgres')
          await fsp.rm(path.join(target.dataDir, 'artifacts'), { recursive: true, force: true }).catch(() => {});
        throw e;
      });
      await session.exec('ANALYZE'); // PGlite never analyses on its own; PostgreSQL would, later
    } finally {
      await session.close();
    }
    await fsp.rm(dumpFile, { force: true });
    if (target.kind === 'pglite') await moveIntoPlace(stage, target.dataDir);
    return {
      tables: manifest.database.tables.length,
      rows,
      artifacts: manifest.artifacts.length,
      artifactBytes: manifest.artifacts.reduce((n, a) => n + a.bytes, 0),
      migrations: manifest.migrations.length,
    };
  } finally {
    await fsp.rm(stage, { recursive: true, force: true });
  }
}

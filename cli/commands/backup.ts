import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { backupDatabase, readArchive, restoreBackup, writeArchiveFile, type Manifest } from '../../lib/backup';
import { databaseTarget, dataDir, s3StoreConfig } from '../../lib/config';
import { getStore } from '../../lib/storage';
import { formatBytes } from '../../lib/storage/fs-store';
import { required, UsageError } from '../args';
import { checkReadableFile } from '../files';
import { resolveActor, withDb } from '../local';
import { RemoteError } from '../output';
import { API } from '../remote';
import type { CommandImpl } from './types';

function summary(m: Manifest): string {
  const rows = m.database.tables.reduce((n, t) => n + t.rows, 0);
  const bytes = m.artifacts.reduce((n, a) => n + a.bytes, 0);
  return `${rows} rows in ${m.database.tables.length} tables, ${m.artifacts.length} artifacts (${formatBytes(bytes)})`;
}

/** --out must name a new file in an existing directory (or an old one, with --force). */
async function checkOut(out: string, force: boolean, cmd: string): Promise<void> {
  const dir = path.dirname(path.resolve(out));
  const st = await fsp.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new UsageError(`--out ${out}: the directory ${dir} does not exist`, cmd);
  const existing = await fsp.stat(out).catch(() => null);
  if (existing?.isDirectory()) throw new UsageError(`--out ${out} is a directory; name the archive file`, cmd);
  if (existing && !force)
    throw new UsageError(`--out ${out} already exists; choose a new name or add --force to replace it`, cmd);
}

export const backupCommand: CommandImpl = {
  help: `Write one archive (tar) holding the whole registry: a logical dump of every table, taken in one
read-only REPEATABLE READ snapshot while the registry keeps working, every artifact the database
catalogues, and a manifest with the SHA-256 of the dump and of each artifact. The same format on the
embedded database and on PostgreSQL; "drawbridge restore" reads it. Needs the admin role; audited
(backup.create).

While a server holds the embedded data directory, this runs through that server (its GET
/api/v1/backup), as --server does. A downloaded archive is verified in full before it is kept.

Options:
  --out FILE     Where to write the archive (required). Written to a temporary file first and
                 renamed into place when complete: an interrupted backup leaves no FILE.
  --force        Replace FILE if it exists.

Examples:
  drawbridge backup --out drawbridge-$(date +%Y%m%d).tar
  drawbridge --server https://drawbridge.internal --token $ADMIN_TOKEN backup --out nightly.tar
`,
  async run({ v, remote, out }) {
    const cmd = 'backup';
    const file = required(v, 'out', cmd);
    await checkOut(file, !!v.force, cmd);
    let manifest: Manifest;
    let written: { bytes: number; sha256: string };
    if (remote) {
      const res = await remote.open(API.backup);
      if (!res.body) throw new RemoteError('the server sent no archive', res.status, 'bad_response');
      const checked: { manifest?: Manifest } = {};
      written = await writeArchiveFile(
        Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
        file,
        {
          check: async (tmp) => {
            checked.manifest = await readArchive(fs.createReadStream(tmp));
          },
        },
      );
      manifest = checked.manifest!;
    } else {
      const r = await withDb(async (db, where) => {
        const actor = await resolveActor(db, v.as, cmd);
        process.stderr.write(`backing up ${where}\n`);
        const backup = await backupDatabase(db, getStore(), actor, { kind: databaseTarget().kind });
        return { manifest: backup.manifest, written: await writeArchiveFile(backup.stream, file) };
      });
      manifest = r.manifest;
      written = r.written;
    }
    out(`backup written to ${file}: ${summary(manifest)}; ${formatBytes(written.bytes)}, sha256 ${written.sha256}\n`);
    return 0;
  },
};

export const restoreCommand: CommandImpl = {
  help: `Restore an archive written by "drawbridge backup" into the configured target, which must be
empty: DRAWBRIDGE_DATA_DIR (embedded database and artifacts) missing or an empty directory; or, with
DATABASE_URL, a PostgreSQL database without rows (a new one, migrated or not) and an empty
DRAWBRIDGE_DATA_DIR/artifacts.

Every byte is checked while the archive streams in: the manifest, the database dump against its
SHA-256, each artifact against its SHA-256 and size, and the entry list against the manifest. A
corrupt, truncated or altered archive is refused, with what is wrong, and the target is left as it
was: the archive is staged beside the target first, the rows load in one transaction (constraints
and triggers apply), sequences continue after the restored ids, and the staged files move into
place only at the end. An archive from an older Drawbridge loads under its own migrations, then the
newer ones run.

Examples:
  DRAWBRIDGE_DATA_DIR=/srv/drawbridge-restored drawbridge restore nightly.tar
  DATABASE_URL=postgresql://drawbridge@db.internal/drawbridge_new DRAWBRIDGE_DATA_DIR=/srv/drawbridge drawbridge restore nightly.tar
`,
  async run({ args, out }) {
    const cmd = 'restore';
    const file = args[0];
    if (!file) throw new UsageError('restore needs the archive FILE', cmd);
    await checkReadableFile(file, 'archive', cmd);
    const db = databaseTarget();
    const s3 = s3StoreConfig(); // the bucket several servers share takes the artifacts (PostgreSQL only)
    const target =
      db.kind === 'postgres'
        ? { kind: 'postgres' as const, url: db.url, dataDir: dataDir(), store: s3 ? getStore() : undefined }
        : { kind: 'pglite' as const, dataDir: dataDir() };
    const where =
      db.kind === 'postgres'
        ? `PostgreSQL (${new URL(db.url).host}${new URL(db.url).pathname}) and ${s3 ? `s3://${s3.bucket}/${s3.prefix}` : path.join(target.dataDir, 'artifacts')}`
        : target.dataDir;
    process.stderr.write(`restoring ${file} into ${where}\n`);
    const r = await restoreBackup(fs.createReadStream(file), target);
    out(
      `restored ${r.rows} rows in ${r.tables} tables and ${r.artifacts} artifacts (${formatBytes(r.artifactBytes)}) into ${where}; every artifact verified\n`,
    );
    if (process.env.DRAWBRIDGE_SECRET) {
      // The archive carries the share-link keys (a table), not an override (README: Backup and restore).
      process.stderr.write(
        'note: DRAWBRIDGE_SECRET is set: share links signed with it open only where the same DRAWBRIDGE_SECRET is set\n',
      );
    }
    return 0;
  },
};

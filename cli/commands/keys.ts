import { listServerKeys, retireServerKey, rotateServerKey, type ServerKeyInfo } from '../../lib/auth/server-keys';
import { UsageError } from '../args';
import { withDb } from '../local';
import type { CommandImpl } from './types';

const line = (k: ServerKeyInfo) =>
  `${k.id}  generation ${k.generation}  created ${k.createdAt.toISOString()}  ${
    k.signing ? 'signs new links' : k.retiredAt ? `retired ${k.retiredAt.toISOString()}` : 'verifies only'
  }\n`;

const envNote = () => {
  if (process.env.DRAWBRIDGE_SECRET)
    process.stderr.write(
      'note: DRAWBRIDGE_SECRET is set here; servers where it is set sign and verify with it, not with these keys\n',
    );
};

const SHARED_HELP = `The share-link signing keys live in the database, so every server of one database uses the
same ones. Servers re-read them within 60 s (a link signed with a key they have not seen yet is
checked against the database at once).`;

export const rotateKey: CommandImpl = {
  help: `Create a new share-link signing key: new links are signed with it; links signed with the
previous keys keep opening until those keys are retired (drawbridge admin retire-key).
${SHARED_HELP}

Example:
  DATABASE_URL=postgresql://drawbridge:secret@db.internal:5432/drawbridge drawbridge admin rotate-key
`,
  async run({ out }) {
    envNote();
    return withDb(async (db) => {
      out(line(await rotateServerKey(db)));
      return 0;
    });
  },
};

export const listKeys: CommandImpl = {
  help: `List the share-link signing keys, newest first (ids and dates, never the keys themselves).
${SHARED_HELP}

Options:
  --json         One JSON object: { "keys": [{ id, generation, created_at, retired_at, signing }] }.
`,
  async run({ v, out }) {
    envNote();
    return withDb(async (db) => {
      const keys = await listServerKeys(db);
      if (v.json) {
        const rows = keys.map((k) => ({
          id: k.id,
          generation: k.generation,
          created_at: k.createdAt.toISOString(),
          retired_at: k.retiredAt?.toISOString() ?? null,
          signing: k.signing,
        }));
        out(`${JSON.stringify({ keys: rows })}\n`);
      } else for (const k of keys) out(line(k));
      return 0;
    });
  },
};

export const retireKey: CommandImpl = {
  help: `Retire a share-link signing key: every link it signed stops opening (on every server within
60 s). The key that signs new links cannot be retired: rotate first.
${SHARED_HELP}

Example:
  drawbridge admin list-keys
  drawbridge admin retire-key 3kq1Zp0a
`,
  async run({ args, out }) {
    const id = args[0];
    if (!id) throw new UsageError('give the id of the key to retire (drawbridge admin list-keys)', 'admin retire-key');
    envNote();
    return withDb(async (db) => {
      out(line(await retireServerKey(db, id)));
      return 0;
    });
  },
};

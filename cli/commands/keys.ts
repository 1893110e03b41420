import type { SigningKeyListResponse, SigningKeyResponse } from '../../lib/api/contract/signing-keys';
import { retireSigningKeyJson, rotateSigningKeyJson, signingKeysJson } from '../../lib/api/signing-keys';
import type { Actor } from '../../lib/auth/permissions';
import type { Db } from '../../lib/db';
import { SYSTEM_ACTOR } from '../../lib/registry/audit';
import { UsageError } from '../args';
import { resolveActor, withDb } from '../local';
import type { CommandImpl } from './types';

/*
 * The share-link signing keys, through lib/registry/signing-keys (admins only, audited) in both
 * modes: remote mode through /api/v1/admin/signing-keys as the token's owner; local mode as the
 * system actor (an operator at the database, as "drawbridge users" acts: keys can be rotated before
 * any admin account exists), or as --as EMAIL when given, so the audit log names that person.
 */

const KEYS = '/api/v1/admin/signing-keys';
const retirePath = (id: string) => `${KEYS}/${encodeURIComponent(id)}/retire`;

const line = (k: SigningKeyResponse) =>
  `${k.id}  generation ${k.generation}  created ${k.created_at}  ${
    k.signing ? 'signs new links' : k.retired_at ? `retired ${k.retired_at}` : 'verifies only'
  }\n`;

const envNote = () => {
  if (process.env.DRAWBRIDGE_SECRET)
    process.stderr.write(
      'note: DRAWBRIDGE_SECRET is set here; servers where it is set sign and verify with it, not with these keys\n',
    );
};

/** Local mode: the database, and who the audit log names. */
async function local<T>(as: string | undefined, command: string, fn: (db: Db, actor: Actor) => Promise<T>) {
  envNote();
  return withDb(async (db) => fn(db, as ? await resolveActor(db, as, command) : SYSTEM_ACTOR));
}

const SHARED_HELP = `The share-link signing keys live in the database, so every server of one database uses the
same ones. Servers re-read them within 60 s (a link signed with a key they have not seen yet is
checked against the database at once). Admins only; rotations and retirements are audited
(signing_key.rotate, signing_key.retire; ids and generations, never the keys). The console's
Settings → Signing keys page does the same.`;

export const rotateKey: CommandImpl = {
  help: `Create a new share-link signing key: new links are signed with it; links signed with the
previous keys keep opening until those keys are retired (drawbridge admin retire-key).

${SHARED_HELP}

Examples:
  DATABASE_URL=postgresql://drawbridge:secret@db.internal:5432/drawbridge drawbridge admin rotate-key
  drawbridge admin rotate-key --server https://drawbridge.example.org --token "$ADMIN_TOKEN"
`,
  async run({ v, remote, out }) {
    const cmd = 'admin rotate-key';
    const key = remote ? await remote.post<SigningKeyResponse>(KEYS) : await local(v.as, cmd, rotateSigningKeyJson);
    out(line(key));
    return 0;
  },
};

export const listKeys: CommandImpl = {
  help: `List the share-link signing keys, newest first (ids and dates, never the keys themselves).

${SHARED_HELP}

Options:
  --json         One JSON object: { "keys": [{ id, generation, created_at, retired_at, signing }] }
                 (what GET /api/v1/admin/signing-keys answers).
`,
  async run({ v, remote, out }) {
    const cmd = 'admin list-keys';
    const { keys }: SigningKeyListResponse = remote
      ? await remote.get<SigningKeyListResponse>(KEYS)
      : await local(v.as, cmd, signingKeysJson);
    if (v.json) out(`${JSON.stringify({ keys })}\n`);
    else for (const k of keys) out(line(k));
    return 0;
  },
};

export const retireKey: CommandImpl = {
  help: `Retire a share-link signing key: every link it signed stops opening (on every server within
60 s). The key that signs new links cannot be retired (key_in_use): rotate first. An unknown id
fails with key_not_found.

${SHARED_HELP}

Example:
  drawbridge admin list-keys
  drawbridge admin retire-key 3f9a0c1e
`,
  async run({ v, args, remote, out }) {
    const cmd = 'admin retire-key';
    const id = args[0];
    if (!id) throw new UsageError('give the id of the key to retire (drawbridge admin list-keys)', cmd);
    const key = remote
      ? await remote.post<SigningKeyResponse>(retirePath(id))
      : await local(v.as, cmd, (db, actor) => retireSigningKeyJson(db, actor, id));
    out(line(key));
    return 0;
  },
};

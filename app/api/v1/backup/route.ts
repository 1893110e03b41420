// GET /api/v1/backup - a consistent archive (tar) of the database and every artifact, streamed; admins only.
// Through this endpoint `drawbridge backup` works while the server holds the embedded database.
import { toStream } from '@/lib/api/artifact-response';
import { checkCookieRead } from '@/lib/api/csrf';
import { withActor } from '@/lib/api/handler';
import { bearerFrom } from '@/lib/auth/sessions';
import { backupDatabase } from '@/lib/backup';
import { databaseTarget } from '@/lib/config';
import { getStore } from '@/lib/storage';

export const GET = withActor('backup.create', async (req, { actor, db }) => {
  // A backup is expensive and audited: with the cookie, not even a link from another site starts one.
  if (!bearerFrom(req.headers.get('authorization'))) checkCookieRead(req, { navigations: false });
  // A BackupError (the server's own state stopped it: an artifact missing from the store) is a 500 with its code.
  const backup = await backupDatabase(db, getStore(), actor, { kind: databaseTarget().kind });
  const stamp = backup.manifest.created_at.replace(/[-:]/g, '').replace(/\..*$/, '');
  return new Response(toStream(backup.stream), {
    headers: {
      'Content-Type': 'application/x-tar',
      'Content-Length': String(backup.bytes),
      'Content-Disposition': `attachment; filename="drawbridge-backup-${stamp}.tar"`,
      // no-transform: the server must not gzip an archive of float32s (slow at both ends, no gain).
      'Cache-Control': 'no-store, no-transform',
      'X-Content-Type-Options': 'nosniff',
    },
  });
});

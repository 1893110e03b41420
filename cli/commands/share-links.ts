import {
  SHARE_LINK_MAX_DAYS,
  type ShareLinkCreatedResponse,
  type ShareLinkResponse,
} from '../../lib/api/contract/share-links';
import { createShareLinkJson, revokeShareLinkById, shareLinksJson } from '../../lib/api/share-links';
import { UsageError } from '../args';
import { resolveActor, withDb } from '../local';
import { json, table } from '../output';
import type { CommandImpl } from './types';

const linksPath = (modelId: string) => `/api/v1/training/models/exports/${encodeURIComponent(modelId)}/share-links`;
const linkPath = (id: string) => `/api/v1/share-links/${encodeURIComponent(id)}`;

/** --days N: a whole number of days the link lasts, checked here so a typo is a usage error (exit 2). */
function daysOf(raw: string | undefined, cmd: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= SHARE_LINK_MAX_DAYS)) {
    throw new UsageError(`--days must be a whole number of days from 1 to ${SHARE_LINK_MAX_DAYS}, not ${raw}`, cmd);
  }
  return n;
}

const status = (l: ShareLinkResponse) => (l.revoked_at ? 'revoked' : l.active ? 'active' : 'expired');

export const shareCommand: CommandImpl = {
  help: `Make a public read-only link to an export's page (deployers and admins) and print its URL.

Anyone with the URL reads the model's page (its card, validation, the preview) without signing in,
until the link expires or is revoked ("drawbridge models unshare LINK_ID"). The URL is printed this
once and never again: "models share-links" lists links by id, without their URLs. The making of
the link is audited.

The URL's origin is the server's public address: in remote mode the server's DRAWBRIDGE_PUBLIC_URL,
else the address --server reached it at; in local mode this environment's DRAWBRIDGE_PUBLIC_URL
(default http://localhost:3000).

Options:
  --days N     The link stops opening after N days (1-${SHARE_LINK_MAX_DAYS}); default: when revoked.
  --json       Print {id, url, token, created_at, created_by, expires_at, access_count, active, ...}.

Examples:
  drawbridge models share autoencoder_2.0_3.0_20261201_120000 --days 30
  URL=$(drawbridge models share autoencoder_2.0_3.0_20261201_120000)
`,
  async run({ v, args, remote, out }) {
    const cmd = 'models share';
    const modelId = args[0];
    if (!modelId) throw new UsageError('models share needs the MODEL_ID of an export', cmd);
    const body = { expires_in_days: daysOf(v.days, cmd) };
    const link: ShareLinkCreatedResponse = remote
      ? await remote.post<ShareLinkCreatedResponse>(linksPath(modelId), { json: body })
      : await withDb(async (db) => createShareLinkJson(db, await resolveActor(db, v.as, cmd), modelId, body));
    if (v.json) {
      out(json(link));
    } else {
      // The URL alone on stdout, for a pipeline to capture; what it is, on stderr.
      const until = link.expires_at ? `until ${link.expires_at}` : 'until revoked';
      process.stderr.write(`share link ${link.id} for ${modelId}, ${until}; its URL is shown only now:\n`);
      out(`${link.url}\n`);
    }
    return 0;
  },
};

export const shareLinksCommand: CommandImpl = {
  help: `List an export's share links, newest first (deployers and admins): id, who made it, when it
expires, whether it still opens, and how often it was opened. Never the URLs: each is shown once,
by "drawbridge models share". An unknown MODEL_ID fails with model_not_found.

Options:
  --json       Print the list: [{id, created_at, created_by, expires_at, revoked_at, revoked_by,
               access_count, last_accessed_at, active}, ...].

Example:
  drawbridge models share-links autoencoder_2.0_3.0_20261201_120000
`,
  async run({ v, args, remote, out }) {
    const cmd = 'models share-links';
    const modelId = args[0];
    if (!modelId) throw new UsageError('models share-links needs the MODEL_ID of an export', cmd);
    const links = remote
      ? await remote.get<ShareLinkResponse[]>(linksPath(modelId))
      : await withDb(async (db) => shareLinksJson(db, await resolveActor(db, v.as, cmd), modelId));
    if (v.json) out(json(links));
    else if (links.length === 0) out(`${modelId} has no share links.\n`);
    else
      out(
        table(
          ['ID', 'STATUS', 'CREATED', 'BY', 'EXPIRES', 'VIEWS', 'LAST VIEWED'],
          links.map((l) => [
            l.id,
            status(l),
            l.created_at,
            l.created_by ?? '—',
            l.expires_at ?? 'never',
            String(l.access_count),
            l.last_accessed_at ?? '—',
          ]),
        ),
      );
    return 0;
  },
};

export const unshareCommand: CommandImpl = {
  help: `Revoke a share link (deployers and admins): its URL stops opening the page at once. Audited.

LINK_ID is the link's id from "drawbridge models share-links MODEL_ID" (or "models share --json"),
not its URL. An unknown or already revoked id fails with share_link_not_found (exit 1).

Example:
  drawbridge models unshare cmiabc123def456ghi789jkl0
`,
  async run({ v, args, remote, out }) {
    const cmd = 'models unshare';
    const id = args[0];
    if (!id) throw new UsageError('models unshare needs the LINK_ID of a share link (see "models share-links")', cmd);
    if (remote) await remote.delete(linkPath(id));
    else await withDb(async (db) => revokeShareLinkById(db, await resolveActor(db, v.as, cmd), id));
    out(`Revoked share link ${id}: it no longer opens the page.\n`);
    return 0;
  },
};

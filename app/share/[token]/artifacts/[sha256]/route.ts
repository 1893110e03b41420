// GET /share/{token}/artifacts/{sha256} - the bytes the shared page's preview runs: that link's
//     export and its training job's validation set only (lib/api/artifact-response.ts: ETag, Range,
//     re-verified on every read). Any other hash, and a revoked, expired or unknown token, answer the
//     same 404, so nothing about the link or the registry leaks.
import { artifactResponse } from '@/lib/api/artifact-response';
import { withPublic } from '@/lib/api/handler';
import { notFoundResponse } from '@/lib/api/ort-response';
import { getDb } from '@/lib/db';
import { resolveShareArtifact } from '@/lib/registry/share-links';
import { getStore } from '@/lib/storage';

// The token is the credential: never cached between visitors.
export const dynamic = 'force-dynamic';

export const GET = withPublic<{ token: string; sha256: string }>(async (req, ctx) => {
  const { token, sha256 } = await ctx.params;
  const a = /^[0-9a-f]{64}$/.test(sha256) ? await resolveShareArtifact(await getDb(), token, sha256) : null;
  if (!a) return notFoundResponse();
  const res = await artifactResponse(req, getStore(), a);
  // Loadable by the cross-origin-isolated share page and its worker, and by nothing elsewhere.
  res.headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return res;
});

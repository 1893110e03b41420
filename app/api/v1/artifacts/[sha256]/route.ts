// GET /api/v1/artifacts/{sha256} - a catalogued artifact's bytes by hash (strong ETag, immutable
//     caching, If-None-Match → 304, single Range → 206/416); re-verified by the store on every read.
import { artifactResponse } from '@/lib/api/artifact-response';
import { notFound } from '@/lib/errors';
import { withActor } from '@/lib/api/handler';
import { findArtifact } from '@/lib/registry/artifacts';
import { getStore } from '@/lib/storage';

export const GET = withActor<{ sha256: string }>('models.read', async (req, { actor, db, params }) => {
  // Only catalogued artifacts are served; a malformed hash names nothing (and never reaches a path).
  const a = /^[0-9a-f]{64}$/.test(params.sha256) ? await findArtifact(db, actor, params.sha256) : null;
  if (!a) throw notFound('Artifact', params.sha256.slice(0, 80), 'artifact_not_found');
  return artifactResponse(req, getStore(), { sha256: a.sha256, mediaType: a.mediaType });
});

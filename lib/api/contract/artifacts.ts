/** Wire shapes of artifact bytes (catalogued artifacts and export downloads): headers, not JSON. */
import { z } from 'zod';
import { sha256 } from './common';
import type { PathTable, RawOpenApi } from './operation';

export const binary = { schema: { type: 'string', format: 'binary' } };

const artifactHeaders = {
  ETag: { description: 'The SHA-256 in quotes (strong validator).', schema: { type: 'string' } },
  'Cache-Control': { schema: { type: 'string', const: 'private, max-age=31536000, immutable, no-transform' } },
  'Accept-Ranges': { schema: { type: 'string', const: 'bytes' } },
  'Content-Length': { schema: { type: 'integer' } },
  'X-Content-Type-Options': { schema: { type: 'string', const: 'nosniff' } },
};
const header = (name: string, description: string): RawOpenApi => ({
  name,
  in: 'header',
  schema: { type: 'string', description },
});
export const artifactRequestHeaders = [
  header('If-None-Match', 'An ETag from an earlier response; 304 when it matches.'),
  header('Range', 'One byte range: bytes=a-b, bytes=a- or bytes=-n. Several ranges are ignored (200).'),
  header('If-Range', 'Honour Range only while the ETag still matches.'),
];
export function artifactResponses(extraHeaders: RawOpenApi = {}) {
  const headers = { ...artifactHeaders, ...extraHeaders };
  return {
    '200': { raw: { description: 'The bytes', headers, content: { 'application/octet-stream': binary } } },
    '206': {
      raw: {
        description: 'The requested byte range',
        headers: { ...headers, 'Content-Range': { schema: { type: 'string', description: 'bytes a-b/size' } } },
        content: { 'application/octet-stream': binary },
      },
    },
    '304': { raw: { description: 'Not modified (If-None-Match matched)', headers: { ETag: artifactHeaders.ETag } } },
  };
}

export const artifactPaths: PathTable = {
  '/api/v1/artifacts/{sha256}': {
    get: {
      operationId: 'getArtifact',
      summary: 'A catalogued artifact by SHA-256 (checkpoints, validation sets, exports)',
      tag: 'artifacts',
      permission: 'models.read',
      pathParams: z.object({ sha256: sha256('SHA-256 of the artifact') }),
      headers: artifactRequestHeaders,
      responses: artifactResponses(),
      errors: [404, 416],
    },
  },
};

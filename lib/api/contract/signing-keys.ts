/**
 * Wire shapes of the share-link signing keys (/api/v1/admin/signing-keys): ids, generations and
 * dates, never the keys themselves. The list is the shape `drawbridge admin list-keys --json` prints.
 */
import { z } from 'zod';
import { dateTime } from './common';
import type { PathTable } from './operation';

/** One key as the API, the CLI and the console show it. */
export const signingKeyResponse = z.object({
  id: z
    .string()
    .describe('The key’s id (8 hex digits): what retiring names, and what a share token’s signature starts with'),
  generation: z.int().min(1).describe('1 for the first key; each rotation adds one'),
  created_at: dateTime(),
  retired_at: dateTime().nullable().describe('When it stopped verifying; null: its links still open'),
  signing: z.boolean().describe('Signs new links now (the newest key not retired); the others only verify'),
});
export type SigningKeyResponse = z.infer<typeof signingKeyResponse>;

export const signingKeyListResponse = z.object({
  keys: z.array(signingKeyResponse).describe('Newest first'),
});
export type SigningKeyListResponse = z.infer<typeof signingKeyListResponse>;

export const signingKeySchemas = {
  SigningKey: signingKeyResponse,
  SigningKeyList: signingKeyListResponse,
};

export const signingKeyPaths: PathTable = {
  '/api/v1/admin/signing-keys': {
    get: {
      operationId: 'listSigningKeys',
      summary: 'The share-link signing keys, newest first, without the keys themselves (admins)',
      tag: 'system',
      permission: 'keys.manage',
      responses: { '200': { schema: 'SigningKeyList' } },
    },
    post: {
      operationId: 'rotateSigningKey',
      summary: 'Rotate: a new key signs new links; links signed with older keys keep opening (admins)',
      description:
        'Every server signs with the new key within 60 s. The older keys verify until retired. Takes no body. Audited (signing_key.rotate).',
      tag: 'system',
      permission: 'keys.manage',
      responses: { '201': { schema: 'SigningKey', description: 'The new key' } },
    },
  },
  '/api/v1/admin/signing-keys/{id}/retire': {
    post: {
      operationId: 'retireSigningKey',
      summary: 'Retire a key: the links it signed stop opening (admins)',
      description:
        'The key that signs new links answers 409 key_in_use (rotate first); an unknown id 404 key_not_found. A key already retired is answered as it is. Audited (signing_key.retire).',
      tag: 'system',
      permission: 'keys.manage',
      pathParams: z.object({ id: z.string().describe('The key’s id (from the list)') }),
      responses: { '200': { schema: 'SigningKey', description: 'The retired key' } },
      errors: [404, 409],
    },
  },
};

import 'server-only';
import type { Actor } from '../auth/permissions';
import type { Db } from '../db';
import { listSigningKeys, retireSigningKey, rotateSigningKey, type SigningKeyInfo } from '../registry/signing-keys';
import type { SigningKeyListResponse, SigningKeyResponse } from './contract/signing-keys';

/** One key on the wire (REST, and `drawbridge admin list-keys --json` in local mode alike). */
export function signingKeyToJson(k: SigningKeyInfo): SigningKeyResponse {
  return {
    id: k.id,
    generation: k.generation,
    created_at: k.createdAt.toISOString(),
    retired_at: k.retiredAt?.toISOString() ?? null,
    signing: k.signing,
  };
}

/** GET /api/v1/admin/signing-keys. */
export async function signingKeysJson(db: Db, actor: Actor): Promise<SigningKeyListResponse> {
  return { keys: (await listSigningKeys(db, actor)).map(signingKeyToJson) };
}

/** POST /api/v1/admin/signing-keys: the new key. */
export async function rotateSigningKeyJson(db: Db, actor: Actor): Promise<SigningKeyResponse> {
  return signingKeyToJson(await rotateSigningKey(db, actor));
}

/** POST /api/v1/admin/signing-keys/{id}/retire: the retired key. */
export async function retireSigningKeyJson(db: Db, actor: Actor, id: string): Promise<SigningKeyResponse> {
  return signingKeyToJson(await retireSigningKey(db, actor, id));
}

import 'server-only';
import type { Actor } from '../auth/permissions';
import { requirePermission } from '../auth/permissions';
import {
  currentSigningKey,
  listServerKeys,
  refreshServerKeys,
  retireServerKey,
  rotateServerKey,
  signingKeys,
  type ServerKeyInfo,
} from '../auth/server-keys';
import type { Db } from '../db';
import { recordAudit } from './audit';
import { serializable } from './transactions';

/*
 * The share-link signing keys as an admin's operation (console, REST and CLI alike): permission
 * checked, and every rotation and retirement audited in the transaction that makes it. The audit
 * row names the key by id and generation, never its secret. lib/auth/server-keys holds the keys
 * and the cache; this module only decides who may change them and records that they did.
 */

export type SigningKeyInfo = ServerKeyInfo;

/** Every share-link key, newest first, without the secrets; `signing` marks the one that signs. */
export async function listSigningKeys(db: Db, actor: Actor): Promise<SigningKeyInfo[]> {
  requirePermission(actor, 'keys.manage');
  return listServerKeys(db);
}

/**
 * A new key that signs new links from now on; links signed with older keys keep opening until
 * their key is retired. Two rotations at once make two keys (the second retries on top of the
 * first), each audited.
 */
export async function rotateSigningKey(db: Db, actor: Actor): Promise<SigningKeyInfo> {
  requirePermission(actor, 'keys.manage');
  // The first key (or a legacy `secret` file's) exists before the rotation, so it has a successor.
  await signingKeys(db, 'share', { refresh: true });
  const key = await serializable(db, async (tx) => {
    const previous = await currentSigningKey(tx);
    const made = await rotateServerKey(db, 'share', tx);
    await recordAudit(tx, actor, {
      action: 'signing_key.rotate',
      subjectType: 'signing_key',
      subjectId: made.id,
      before: previous ? { signingKeyId: previous.id, generation: previous.generation } : undefined,
      after: { id: made.id, generation: made.generation },
    });
    return made;
  });
  await refreshServerKeys(db);
  return key;
}

/**
 * Retires a key: the links it signed stop opening. The key that signs now is refused (409
 * key_in_use), an unknown id is 404 key_not_found; a key already retired is answered as it is,
 * and not audited again.
 */
export async function retireSigningKey(db: Db, actor: Actor, id: string): Promise<SigningKeyInfo> {
  requirePermission(actor, 'keys.manage');
  const key = await serializable(db, async (tx) => {
    const before = await tx.serverKey.findUnique({ where: { id }, select: { retiredAt: true } });
    const retired = await retireServerKey(db, id, tx);
    if (before && !before.retiredAt) {
      await recordAudit(tx, actor, {
        action: 'signing_key.retire',
        subjectType: 'signing_key',
        subjectId: retired.id,
        after: { id: retired.id, generation: retired.generation, retiredAt: retired.retiredAt },
      });
    }
    return retired;
  });
  await refreshServerKeys(db);
  return key;
}

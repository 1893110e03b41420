/**
 * The local-operator credential: how `drawbridge` in local mode works through the server that owns
 * the embedded data directory instead of opening it a second time. The owner server makes a random
 * secret when it starts and writes it into its lock file (mode 0600, in the data directory: whoever
 * can read it could open the database anyway). The CLI sends it as `Authorization: Bearer dbl_…`,
 * naming the user to act as in `X-Drawbridge-Act-As` (`--as EMAIL`; the first active admin when
 * absent, as local mode does). The server accepts only its own current secret, compared in constant
 * time, and then acts as that existing, active user with exactly that user's role; the audit trail
 * names the user as for the same command in local mode.
 */
import 'server-only';
import crypto from 'node:crypto';
import type { Db } from '../db';
import { newSecret } from './password';
import { AuthError, type Actor } from './permissions';
import { bearerFrom } from './sessions';

export const LOCAL_OPERATOR_PREFIX = 'dbl_';
export const ACT_AS_HEADER = 'x-drawbridge-act-as';

// On globalThis: instrumentation.ts and the route handlers are separate bundles in one process.
const g = globalThis as unknown as { __drawbridgeOperatorSecret?: string };

/** Makes this server's secret (once per process) and returns the credential that carries it. */
export function startLocalOperator(): string {
  g.__drawbridgeOperatorSecret ??= newSecret(LOCAL_OPERATOR_PREFIX);
  return g.__drawbridgeOperatorSecret;
}

/** Forgets the secret (tests; a server whose lock could not be taken). */
export function stopLocalOperator(): void {
  g.__drawbridgeOperatorSecret = undefined;
}

function matchesCurrentSecret(credential: string): boolean {
  const current = g.__drawbridgeOperatorSecret;
  if (!current) return false;
  // Hash both sides: equal lengths for timingSafeEqual, and no early exit on a length mismatch.
  const a = crypto.createHash('sha256').update(current).digest();
  const b = crypto.createHash('sha256').update(credential).digest();
  return crypto.timingSafeEqual(a, b);
}

/**
 * The actor of a request carrying a local-operator credential; undefined when the request carries
 * none (the caller goes on with API tokens and sessions). A wrong or outdated secret, an unknown or
 * disabled user, is refused: 401 with what to do.
 */
export async function resolveLocalOperator(
  db: Db,
  authorization: string | null | undefined,
  actAs: string | null | undefined,
): Promise<Actor | undefined> {
  const bearer = bearerFrom(authorization);
  if (!bearer?.startsWith(LOCAL_OPERATOR_PREFIX)) return undefined;
  if (!matchesCurrentSecret(bearer)) {
    throw new AuthError(
      'unauthenticated',
      'This local-operator credential is not the current one of this server (it restarted, or it does not own the data directory). Run the command again.',
    );
  }
  const email = actAs?.trim().toLowerCase();
  const user = email
    ? await db.user.findUnique({ where: { email } })
    : await db.user.findFirst({
        where: { role: 'admin', disabledAt: null },
        orderBy: [{ createdAt: 'asc' }, { email: 'asc' }],
      });
  if (!user) {
    throw new AuthError(
      'unauthenticated',
      email
        ? `No user with email ${email}.`
        : 'This database has no active admin to act as; pass --as EMAIL, or create an admin (stop the server, then "drawbridge users create --role admin ...").',
    );
  }
  if (user.disabledAt) throw new AuthError('unauthenticated', `User ${user.email} is disabled.`);
  // 'session', as local mode records it: the audit trail names the user, not an API token.
  return { id: user.id, email: user.email, name: user.name, role: user.role, via: 'session' };
}

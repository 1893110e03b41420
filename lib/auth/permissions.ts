import { DomainError, errorFamily, messageOf } from '../errors';
/**
 * The one permission map (after dub's lib/api/rbac/permissions.ts). Every server action, route
 * handler and registry function asks `can`/`requirePermission`; nothing checks roles directly.
 */
export const ROLES = ['viewer', 'reviewer', 'deployer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const everyone: Role[] = ['viewer', 'reviewer', 'deployer', 'admin'];
const contributors: Role[] = ['reviewer', 'deployer', 'admin'];
const deployers: Role[] = ['deployer', 'admin'];
const admins: Role[] = ['admin'];

export const PERMISSIONS = {
  'models.read': everyone,
  'jobs.read': everyone,
  'deployments.read': everyone,
  'reviews.read': everyone,
  // ML engineers and reviewers push training jobs, export, validate and ask for deployment.
  'jobs.write': contributors,
  'models.export': contributors,
  'models.validate': contributors,
  'requests.create': contributors,
  'reviews.write': contributors,
  'comments.write': contributors,
  // Reviewers and above write a model's card (intended use, data, evaluation, limitations); viewers read it.
  'model_cards.write': contributors,
  'deployments.write': deployers,
  'audit.read': deployers,
  'share.manage': deployers,
  'tokens.own': everyone,
  'users.manage': admins,
  'policy.manage': admins,
  // Outgoing webhooks carry deployment events to other systems and hold signing secrets.
  'webhooks.manage': admins,
  // Rotating or retiring the share-link signing keys decides which public links keep opening.
  'keys.manage': admins,
  'deployments.break_glass': admins,
  // A backup holds every row (password hashes, webhook secrets) and every artifact.
  'backup.create': admins,
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export type Actor = {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** How the request authenticated: a browser session or an API token (pipelines, CLI). */
  via: 'session' | 'token' | 'system';
};

export function can(actor: Pick<Actor, 'role'> | null | undefined, permission: Permission): boolean {
  return !!actor && (PERMISSIONS[permission] as readonly Role[]).includes(actor.role);
}

export class AuthError extends DomainError {
  declare readonly code: 'unauthenticated' | 'forbidden';
  constructor(code: 'unauthenticated' | 'forbidden', message: string) {
    super(code, code, message);
  }
}
errorFamily(AuthError, 'AuthError');

export function requirePermission(actor: Actor | null | undefined, permission: Permission): asserts actor is Actor {
  if (!actor) throw new AuthError('unauthenticated', messageOf('unauthenticated'));
  if (!can(actor, permission)) {
    const roles = (PERMISSIONS[permission] as readonly Role[]).join(', ');
    throw new AuthError('forbidden', `Your role (${actor.role}) may not do this (${permission} needs: ${roles}).`);
  }
}

export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => (PERMISSIONS[p] as readonly Role[]).includes(role));
}

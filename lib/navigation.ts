import type { Permission } from './auth/permissions';

/** The console's navigation; an entry shows only to roles holding its permission. */
export const NAVIGATION: { href: string; label: string; permission: Permission }[] = [
  { href: '/models', label: 'Models', permission: 'models.read' },
  { href: '/training-jobs', label: 'Training jobs', permission: 'jobs.read' },
  { href: '/deployments', label: 'Deployments', permission: 'deployments.read' },
  { href: '/reviews', label: 'Reviews', permission: 'reviews.read' },
  { href: '/audit', label: 'Audit', permission: 'audit.read' },
  { href: '/settings/policy', label: 'Review policy', permission: 'policy.manage' },
  { href: '/settings/webhooks', label: 'Webhooks', permission: 'webhooks.manage' },
  { href: '/settings/users', label: 'Users', permission: 'users.manage' },
  { href: '/settings/keys', label: 'Signing keys', permission: 'keys.manage' },
];

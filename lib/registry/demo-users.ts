import 'server-only';
import type { Role } from '../auth/permissions';

/** The demo team: one account per role. Shown on the sign-in page only in demo mode. */
export const DEMO_USERS: { name: string; email: string; role: Role; password: string }[] = [
  { name: 'Vera Viewer', email: 'viewer@drawbridge.test', role: 'viewer', password: 'drawbridge-viewer' },
  { name: 'Remy Reviewer', email: 'reviewer@drawbridge.test', role: 'reviewer', password: 'drawbridge-reviewer' },
  { name: 'Dana Deployer', email: 'deployer@drawbridge.test', role: 'deployer', password: 'drawbridge-deployer' },
  { name: 'Ada Admin', email: 'admin@drawbridge.test', role: 'admin', password: 'drawbridge-admin' },
];

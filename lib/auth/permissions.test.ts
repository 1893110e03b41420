import { describe, expect, it } from 'vitest';
import { AuthError, can, permissionsOf, requirePermission, type Actor } from './permissions';

const actor = (role: Actor['role']): Actor => ({ id: 'u', email: 'u@x', name: 'U', role, via: 'session' });

describe('permission map', () => {
  it('grows monotonically with the role', () => {
    const v = permissionsOf('viewer');
    const r = permissionsOf('reviewer');
    const d = permissionsOf('deployer');
    const a = permissionsOf('admin');
    expect(v.every((p) => r.includes(p))).toBe(true);
    expect(r.every((p) => d.includes(p))).toBe(true);
    expect(d.every((p) => a.includes(p))).toBe(true);
    expect(a.length).toBeGreaterThan(d.length);
  });

  it('keeps deployment and audit from viewers and reviewers', () => {
    expect(can(actor('viewer'), 'models.read')).toBe(true);
    expect(can(actor('viewer'), 'models.export')).toBe(false);
    expect(can(actor('reviewer'), 'models.export')).toBe(true);
    expect(can(actor('reviewer'), 'deployments.write')).toBe(false);
    expect(can(actor('reviewer'), 'audit.read')).toBe(false);
    expect(can(actor('deployer'), 'deployments.write')).toBe(true);
    expect(can(actor('deployer'), 'users.manage')).toBe(false);
    expect(can(actor('admin'), 'deployments.break_glass')).toBe(true);
    expect(can(actor('deployer'), 'webhooks.manage')).toBe(false);
    expect(can(actor('admin'), 'webhooks.manage')).toBe(true);
    expect(can(null, 'models.read')).toBe(false);
  });

  it('says who is missing and why', () => {
    expect(() => requirePermission(null, 'models.read')).toThrow(AuthError);
    try {
      requirePermission(actor('viewer'), 'deployments.write');
    } catch (e) {
      expect((e as AuthError).code).toBe('forbidden');
      expect((e as AuthError).message).toContain('deployer, admin');
    }
  });
});

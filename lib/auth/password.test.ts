import { describe, expect, it } from 'vitest';
import { hashPassword, hashSecret, newSecret, verifyPassword } from './password';

describe('passwords', () => {
  it('hashes with scrypt and a per-hash salt', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });

  it('stores secrets only as hashes', () => {
    const s = newSecret('dbt_');
    expect(s.startsWith('dbt_')).toBe(true);
    expect(hashSecret(s)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(s)).not.toContain(s);
  });
});

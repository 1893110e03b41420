import path from 'node:path';

/**
 * Runtime configuration, read from the environment once. Everything has a default so a fresh
 * clone runs with no env file.
 */
export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string };

export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.DRAWBRIDGE_DATA_DIR || './data');
}

export function databaseTarget(): DatabaseTarget {
  const url = process.env.DATABASE_URL;
  if (url && /^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url && url.trim() !== '') {
    throw new Error(
      `DATABASE_URL must be a postgres:// or postgresql:// URL (got "${url.split(':')[0]}:…"); ` +
        'unset it to use the embedded database in DRAWBRIDGE_DATA_DIR.',
    );
  }
  return { kind: 'pglite', dir: path.join(/*turbopackIgnore: true*/ dataDir(), 'pglite') };
}

/** Demo mode shows the demo credentials on the sign-in page. On by default for the embedded DB. */
export function demoMode(): boolean {
  const v = process.env.DRAWBRIDGE_DEMO;
  if (v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  return databaseTarget().kind === 'pglite';
}

const MiB = 1024 * 1024;

/** Largest artifact accepted into the store (checkpoints, validation sets, exports). */
export function maxArtifactBytes(): number {
  const v = Number(process.env.DRAWBRIDGE_MAX_ARTIFACT_MB);
  return (Number.isFinite(v) && v > 0 ? v : 512) * MiB;
}

/** The origin people reach this server at; absolute links in OpenGraph metadata use it. */
export function publicUrl(): URL {
  return new URL(process.env.DRAWBRIDGE_PUBLIC_URL || `http://localhost:${process.env.PORT || 3000}`);
}

/**
 * Where webhooks may be sent (lib/registry/egress.ts). By default never to loopback, private,
 * link-local or reserved addresses. DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE=1 allows loopback and private
 * ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS
 * (comma-separated, e.g. `10.20.0.0/16,fd00:1::/64`) allows just those ranges, including
 * link-local or reserved ones. Unspecified, multicast and broadcast addresses are never allowed.
 * Read at every check, so a change applies to the next delivery.
 */
export function webhookEgressSettings(): { allowPrivate: boolean; allowCidrs: string[] } {
  const v = process.env.DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE;
  return {
    allowPrivate: v === '1' || v === 'true',
    allowCidrs: (process.env.DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

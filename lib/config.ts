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

export type S3StoreConfig = {
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
  endpoint?: string;
  forcePathStyle: boolean;
  region: string;
  /** From AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN); unset: the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
};

/**
 * The S3-compatible artifact store when DRAWBRIDGE_S3_BUCKET is set (null: the filesystem store
 * under DRAWBRIDGE_DATA_DIR). Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, else the
 * SDK's default chain (a profile, an instance role); a half-set pair is refused.
 */
export function s3StoreConfig(env: NodeJS.ProcessEnv = process.env): S3StoreConfig | null {
  const bucket = env.DRAWBRIDGE_S3_BUCKET?.trim();
  if (!bucket) return null;
  const fail = (msg: string) => {
    throw new Error(`${msg}; unset DRAWBRIDGE_S3_BUCKET to keep artifacts in DRAWBRIDGE_DATA_DIR/artifacts.`);
  };
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..'))
    fail(
      `DRAWBRIDGE_S3_BUCKET must be a bucket name: 3-63 lowercase letters, digits, dots or hyphens (got "${bucket}")`,
    );
  const endpoint = env.DRAWBRIDGE_S3_ENDPOINT?.trim() || undefined;
  if (endpoint && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(endpoint))
    fail(`DRAWBRIDGE_S3_ENDPOINT must be an http:// or https:// URL, e.g. http://127.0.0.1:9000 (got "${endpoint}")`);
  const pathStyle = env.DRAWBRIDGE_S3_FORCE_PATH_STYLE?.trim() ?? '';
  if (!['', '0', '1', 'true', 'false'].includes(pathStyle))
    fail(`DRAWBRIDGE_S3_FORCE_PATH_STYLE must be 1 or 0 (got "${pathStyle}")`);
  let prefix = env.DRAWBRIDGE_S3_PREFIX?.trim() ?? '';
  if (prefix && !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/?$/.test(prefix))
    fail(
      `DRAWBRIDGE_S3_PREFIX must be key segments of letters, digits and !_.*'()- joined by "/", with no leading "/" (got "${prefix}")`,
    );
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) fail(`AWS_REGION must be a region name such as eu-west-1 (got "${region}")`);
  if (!env.AWS_ACCESS_KEY_ID !== !env.AWS_SECRET_ACCESS_KEY)
    fail(
      `${env.AWS_ACCESS_KEY_ID ? 'AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY' : 'AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID'}: set both, or neither to use the SDK's other credential sources`,
    );
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          sessionToken: env.AWS_SESSION_TOKEN || undefined,
        }
      : undefined;
  return { bucket, prefix, endpoint, forcePathStyle: pathStyle === '1' || pathStyle === 'true', region, credentials };
}

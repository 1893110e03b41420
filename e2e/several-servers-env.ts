/**
 * The environment each Drawbridge server gets when several share one PostgreSQL database and one
 * artifact store: what e2e/several-servers.spec.ts starts its two servers with, and what
 * deploy/compose.yaml gives its two (deploy/compose.test.ts checks that the names are the same
 * and that Drawbridge reads each of them). Plain data: no imports, usable from vitest and Playwright.
 */
export type SharedSettings = {
  /** The one PostgreSQL database every server opens (migrations run on open, under an advisory lock). */
  databaseUrl: string;
  /** The origin people reach the servers at (the proxy's, in compose; each server's own in the test). */
  publicUrl: string;
  /** Where each server keeps what is its own (nothing shared lives there once the store is S3). */
  dataDir: string;
  /** Loopback or private receivers the webhook egress policy admits (the test's receiver on 127.0.0.1). */
  webhookAllowCidrs: string;
  /** Scrapes /api/metrics with `Authorization: Bearer <token>`. */
  metricsToken: string;
  /** The one bucket of the S3-compatible artifact store (MinIO in compose, s3rver in the test). */
  s3: { bucket: string; endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
};

/**
 * Variable → value for one server. No signing secret: the share-link key is generated once in the
 * database (ServerKey) and every server reads it there. In compose every server gets the same
 * values (each its own volume at /data); the test gives each its own URL and data directory.
 */
export function severalServersEnvironment(s: SharedSettings): Record<string, string> {
  return {
    DATABASE_URL: s.databaseUrl,
    DRAWBRIDGE_PUBLIC_URL: s.publicUrl,
    DRAWBRIDGE_DATA_DIR: s.dataDir,
    DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS: s.webhookAllowCidrs,
    DRAWBRIDGE_METRICS_TOKEN: s.metricsToken,
    DRAWBRIDGE_S3_BUCKET: s.s3.bucket,
    DRAWBRIDGE_S3_ENDPOINT: s.s3.endpoint,
    // MinIO and s3rver answer at http://host:port/<bucket>/<key>, not at <bucket>.host.
    DRAWBRIDGE_S3_FORCE_PATH_STYLE: '1',
    AWS_ACCESS_KEY_ID: s.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s.s3.secretAccessKey,
    AWS_REGION: s.s3.region,
    // Demo accounts have published passwords: never on a shared deployment (the test seeds them itself).
    DRAWBRIDGE_DEMO: '0',
  };
}

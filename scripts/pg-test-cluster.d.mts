// Types of pg-test-cluster.mjs for the TypeScript callers (e2e/several-servers.spec.ts).
export type PgCluster = { url: string; skipped?: undefined; stop(): void };
export type PgClusterSkipped = { skipped: string; url?: undefined; stop?: undefined };
export function startPgCluster(): Promise<PgCluster | PgClusterSkipped>;

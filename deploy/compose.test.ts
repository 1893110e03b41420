/**
 * deploy/compose.yaml cannot drift from what is tested: its Drawbridge environment names exactly the
 * variables e2e/several-servers.spec.ts starts its two servers with, and Drawbridge reads every one
 * of them; both servers get that one environment and the proxy balances over both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { severalServersEnvironment } from '../e2e/several-servers-env';

const root = path.resolve(import.meta.dirname, '..');
const compose = fs.readFileSync(path.join(import.meta.dirname, 'compose.yaml'), 'utf8');

/** The `KEY: value` lines of a top-level YAML block (the file keeps this block flat, one variable a line). */
function topLevelBlock(yaml: string, header: string): Record<string, string> {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  expect(start, `compose.yaml has a top-level "${header}" block`).toBeGreaterThanOrEqual(0);
  const out: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    const m = line.match(/^ {2}([A-Z0-9_]+): ?(.*)$/);
    expect(m, `a flat KEY: value line: ${line}`).not.toBeNull();
    out[m![1]] = m![2].replace(/^'(.*)'$/, '$1');
  }
  return out;
}

/** Every non-test source file of the server (lib/, app/, the root's proxy and instrumentation). */
function serverSources(): string {
  const files: string[] = ['proxy.ts', 'instrumentation.ts'].map((f) => path.join(root, f));
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'generated') walk(p);
      else if (/\.(ts|tsx|mjs)$/.test(e.name) && !/\.test\.ts$|^test-/.test(e.name)) files.push(p);
    }
  };
  walk(path.join(root, 'lib'));
  walk(path.join(root, 'app'));
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

const env = topLevelBlock(compose, 'x-drawbridge-environment: &drawbridge-environment');

describe('deploy/compose.yaml', () => {
  it('gives the servers exactly the environment the two-server e2e uses', () => {
    const tested = severalServersEnvironment({
      databaseUrl: 'postgresql://x@127.0.0.1/x',
      publicUrl: 'http://127.0.0.1:1',
      dataDir: '/tmp/x',
      webhookAllowCidrs: '',
      metricsToken: 'x',
      s3: { bucket: 'b', endpoint: 'http://127.0.0.1:2', accessKeyId: 'k', secretAccessKey: 's', region: 'r' },
    });
    expect(Object.keys(env).sort()).toEqual(Object.keys(tested).sort());
  });

  it('names only variables Drawbridge reads', () => {
    const sources = serverSources();
    const unread = Object.keys(env).filter(
      (name) => !new RegExp(`(process\\.env\\.|env\\[['"]|env\\.)${name}\\b`).test(sources),
    );
    expect(unread).toEqual([]);
    // The store that reads the DRAWBRIDGE_S3_* and AWS_* ones speaks S3 through the AWS SDK.
    expect(sources).toMatch(/from '@aws-sdk\/client-s3'/);
  });

  it('wires both servers to that environment, the database, the bucket and the proxy', () => {
    expect(compose.match(/environment: \*drawbridge-environment/g)).toHaveLength(1);
    const servers = [...compose.matchAll(/^ {2}(drawbridge-[a-z]+):\n {4}<<: \*drawbridge-server$/gm)].map((m) => m[1]);
    expect(servers).toEqual(['drawbridge-a', 'drawbridge-b']);
    expect(new URL(env.DATABASE_URL).hostname).toBe('postgres');
    expect(new URL(env.DRAWBRIDGE_S3_ENDPOINT).hostname).toBe('minio');
    expect(compose).toContain(`mc mb --ignore-existing store/${env.DRAWBRIDGE_S3_BUCKET}`);
    expect(compose).toContain('/api/ready');
    const caddy = fs.readFileSync(path.join(import.meta.dirname, 'Caddyfile'), 'utf8');
    expect(caddy).toMatch(/reverse_proxy drawbridge-a:3000 drawbridge-b:3000/);
    expect(caddy).toMatch(/lb_policy round_robin/);
    // The signing key lives in the database: no server needs a copy of a secret.
    expect(env.DRAWBRIDGE_SECRET).toBeUndefined();
  });
});

/**
 * A real S3 protocol server for tests: s3rver on loopback, its buckets in a temp directory.
 * Deliberately without the `server-only` marker (test-* files are exempt) so Playwright specs and
 * plain node scripts can start one too.
 *
 * s3rver runs in its own node process with OpenSSL's legacy provider: it signs ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 refuses by default (every truncated listing would
 * answer 500). Its own process also keeps its CPU off the test's event loop.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

export type TestS3 = {
  endpoint: string;
  bucket: string;
  /** s3rver's data directory: `<dir>/<bucket>/<key>._S3rver_object` holds an object's bytes. */
  dir: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The environment that points a Drawbridge server (lib/storage getStore) at this bucket. */
  env: Record<string, string>;
  stop(): Promise<void>;
};

/** s3rver checks SigV4 signatures against this one fixed key pair. */
const KEY = 'S3RVER';

// Runs in the child: argv = [s3rver module, directory, bucket, port]. Exits when the parent's pipe closes.
const CHILD = `
const [mod, directory, bucket, port] = process.argv.slice(1);
const S3rver = require(mod);
new S3rver({ address: '127.0.0.1', port: Number(port), silent: true, directory, configureBuckets: [{ name: bucket }] })
  .run()
  .then((a) => process.stdout.write('port=' + a.port + '\\n'), (e) => { console.error(e); process.exit(1); });
process.stdin.on('end', () => process.exit(0)).resume();
`;

export async function startS3rver(opts: { bucket?: string; port?: number } = {}): Promise<TestS3> {
  const bucket = opts.bucket ?? 'drawbridge-test';
  const mod = createRequire(import.meta.url).resolve('s3rver');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-s3rver-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', CHILD, mod, dir, bucket, String(opts.port ?? 0)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port=(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening: ${stderr.trim()}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  return {
    endpoint,
    bucket,
    dir,
    accessKeyId: KEY,
    secretAccessKey: KEY,
    region,
    env: {
      DRAWBRIDGE_S3_BUCKET: bucket,
      DRAWBRIDGE_S3_ENDPOINT: endpoint,
      DRAWBRIDGE_S3_FORCE_PATH_STYLE: '1',
      AWS_ACCESS_KEY_ID: KEY,
      AWS_SECRET_ACCESS_KEY: KEY,
      AWS_REGION: region,
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

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
// s3rver's DeleteObject removes a key's directory once it is empty, racing a concurrent PutObject into
// that directory (our temp keys share artifacts/tmp/): the put's write stream then fails with ENOENT,
// an error s3rver never handles, and the whole process dies (the two-server e2e saw the bucket go
// away mid-test). S3 has no directories, so the patched delete leaves them.
const CHILD = `
const [mod, directory, bucket, port] = process.argv.slice(1);
const S3rver = require(mod);
const FilesystemStore = require(require('path').join(require('path').dirname(mod), 'stores', 'filesystem.js'));
FilesystemStore.prototype.deleteObject = async function (b, key) {
  const fs = require('fs');
  await Promise.all(['object', 'object.md5', 'metadata.json'].map((kind) =>
    fs.promises.unlink(this.getResourcePath(b, key, kind)).catch((err) => { if (err.code !== 'ENOENT') throw err; })));
};
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
  let stopping = false;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      // A bucket that vanishes mid-test reads as ECONNREFUSED in some server's log: say why here.
      if (!stopping) console.error(`s3rver at ${dir} exited (${code ?? signal}):\n${stderr.trim()}`);
      resolve();
    }),
  );
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
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from './fs-store';
import { describeStoreContract } from './store-contract';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));
const newRoot = () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-store-'));
  roots.push(root);
  return root;
};
const objectFile = (root: string, sha256: string) =>
  path.join(root, 'objects', sha256.slice(0, 2), sha256.slice(2, 4), sha256);

describeStoreContract('filesystem', async (maxBytes) => {
  const root = newRoot();
  return {
    store: new FsArtifactStore(root, maxBytes),
    tamper: async (sha256, bytes) => fs.writeFileSync(objectFile(root, sha256), bytes),
    plantTemp: async (bytes) => {
      fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
      // No such pid: the writer is gone.
      fs.writeFileSync(path.join(root, 'tmp', `2147483646-${crypto.randomUUID()}`), bytes);
    },
  };
});

describe('FsArtifactStore', () => {
  it('leaves no temp file behind and keeps objects under objects/ab/cd/<sha256>', async () => {
    const root = newRoot();
    const store = new FsArtifactStore(root, 1024);
    const { sha256 } = await store.put(Buffer.from('laid out'));
    expect(fs.existsSync(objectFile(root, sha256))).toBe(true);
    await expect(store.put(Buffer.alloc(2000))).rejects.toMatchObject({ code: 'artifact_too_large' });
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it("sweeps temp files of dead writers past the grace period, never a live writer's", async () => {
    const own = new FsArtifactStore(fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-store-tmp-')));
    await own.put(Buffer.from('x'));
    const tmp = path.join(own.root, 'tmp');
    const old = new Date(Date.now() - 2 * 3600_000);
    const plant = (name: string, size: number, mtime?: Date) => {
      fs.writeFileSync(path.join(tmp, name), Buffer.alloc(size));
      if (mtime) fs.utimesSync(path.join(tmp, name), mtime, mtime);
    };
    plant('2147483646-dead-old', 100, old); // no such pid
    plant('2147483646-dead-fresh', 10);
    plant(`${process.pid}-live-old`, 1000, old);
    expect(await own.sweepTemp(3600_000)).toEqual({ files: 1, bytes: 100 });
    expect(fs.readdirSync(tmp)).toHaveLength(3); // dry run
    expect(await own.sweepTemp(3600_000, { apply: true })).toEqual({ files: 1, bytes: 100 });
    expect(fs.readdirSync(tmp).sort()).toEqual(['2147483646-dead-fresh', `${process.pid}-live-old`].sort());
    expect(await own.sweepTemp(0, { apply: true })).toEqual({ files: 1, bytes: 10 });
    expect(fs.readdirSync(tmp)).toEqual([`${process.pid}-live-old`]);
    fs.rmSync(own.root, { recursive: true, force: true });
  });
});

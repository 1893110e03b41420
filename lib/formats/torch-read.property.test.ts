/**
 * Property: a PyTorch checkpoint (torch zip + pickle + storages), read into the autoencoder,
 * returns or throws our typed errors for random bytes, mutations of real torch.save files,
 * re-zipped archives whose pickle, storages or entry list were mutated (CRCs right, so the
 * mutation reaches the pickle and the storages), generated tensor views of every geometry and
 * archives carrying live code-execution payloads; within the time cap, memory bounded, and no
 * payload runs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readAutoencoderArtifact } from './read-artifact';
import { writeTorchCheckpoint } from './torch-write';
import { writeTorchArchive, writeZip } from './zip-write';
import { openZip } from './zip';
import { randomAutoencoder } from './test-support/autoencoders';
import { fixture } from './test-support/helpers';
import { viewsPickle } from './test-support/hostile-checkpoints';
import { payloadPickles } from './test-support/pickle-payloads';
import { applyMutation, checkReader, mutatedArb, mutationArb, randomBytesArb } from './test-support/property';

const dir = mkdtempSync(path.join(tmpdir(), 'drawbridge-property-'));
const MARKER = path.join(dir, 'torch-marker');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const payloads = payloadPickles(MARKER).map((p) => p.bytes);

const seeds = [
  fixture('ae-32-16.pth'),
  fixture('parameters-keep-vars.pth'),
  fixture('deflated.pth'),
  fixture('zip64.pth'),
  fixture('with-optimizer.pth'),
  fixture('ae-64-32-bf16.pth'),
  fixture('malicious/non-contiguous.pth'),
  fixture('malicious/torch-os-system.pth'),
  fixture('malicious/torch-subprocess-popen.pth'),
  writeTorchCheckpoint(randomAutoencoder(4, [2], 9), { job_name: 'j', lr: 0.5 }),
];
const entriesOf = (b: Uint8Array): { name: string; data: Uint8Array }[] => {
  const z = openZip(b);
  return z.entries.map((e) => ({ name: e.name, data: z.read(e.name).slice() }));
};
const seedEntries = seeds.map(entriesOf);

/** A seed's entries with one mutated (or replaced by a payload) and the list edited, re-zipped. */
const rezipped: fc.Arbitrary<Uint8Array> = fc
  .record({
    seed: fc.nat({ max: seeds.length - 1 }),
    target: fc.nat(),
    preferPickle: fc.boolean(),
    mutations: fc.array(mutationArb, { maxLength: 3 }),
    payload: fc.option(fc.nat({ max: payloads.length - 1 }), { freq: 4, nil: undefined }),
    edit: fc.constantFrom(
      'none',
      'none',
      'drop',
      'dup-rename',
      'add-code',
      'other-prefix',
      'bad-byteorder',
      'bad-version',
    ),
    alignment: fc.constantFrom(1, 64),
  })
  .map((r) => {
    const entries = seedEntries[r.seed].map((e) => ({ ...e }));
    const pkl = entries.findIndex((e) => e.name.endsWith('/data.pkl'));
    const i = r.preferPickle ? pkl : r.target % entries.length;
    const prefix = entries[pkl].name.slice(0, -'data.pkl'.length);
    if (r.payload !== undefined) entries[pkl].data = payloads[r.payload];
    entries[i].data = r.mutations.reduce((b, m) => applyMutation(b, m), entries[i].data);
    const k = r.target % entries.length;
    switch (r.edit) {
      case 'drop':
        entries.splice(k, 1);
        break;
      case 'dup-rename':
        entries.push({ name: `${prefix}data/${entries.length + 7}`, data: entries[k].data });
        break;
      case 'add-code':
        entries.push({ name: `${prefix}code/__torch__.py`, data: new Uint8Array([0x41]) });
        break;
      case 'other-prefix':
        entries.push({ name: 'other/data.pkl', data: entries[pkl].data });
        break;
      case 'bad-byteorder':
        entries.push({ name: `${prefix}byteorder`, data: new TextEncoder().encode('big') });
        break;
      case 'bad-version':
        entries.push({ name: `${prefix}version`, data: new TextEncoder().encode('x') });
        break;
    }
    const seen = new Set<string>();
    return writeZip(
      entries.filter((e) => !seen.has(e.name) && seen.add(e.name)),
      { alignment: r.alignment },
    );
  });

/** One or two views of random geometry over FloatStorages of random (often wrong) lengths. */
const dim = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(2 ** 20, 2 ** 31, 2 ** 52));
const views: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.record({
      name: fc.constantFrom('encoder.0.weight', 'encoder.0.bias', 'decoder.0.weight', 'decoder.0.bias', 'x'),
      key: fc.constantFrom('0', '1'),
      numel: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.constant(2 ** 40)),
      size: fc.array(dim, { maxLength: 3 }),
      stride: fc.array(dim, { maxLength: 3 }),
      offset: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.constant(2 ** 50)),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .chain((vs) =>
    fc
      .tuple(
        fc.constant(vs),
        fc.oneof(fc.constant(0), fc.integer({ min: -5, max: 5 })),
        fc.oneof(fc.constant(0), fc.integer({ min: -5, max: 5 })),
      )
      .map(([vs, d0, d1]) => {
        // A storage is one key: its first view's numel wins, so the pickle never contradicts itself by accident.
        const numelOf = new Map<string, number>();
        for (const v of vs) if (!numelOf.has(v.key)) numelOf.set(v.key, v.numel);
        // Storage bytes: numel × 4, usually exactly (so the views' geometry is what gets tested).
        const bytesOf = (key: string, d: number): number =>
          Math.max(0, Math.min(4096, (numelOf.get(key) ?? 0) * 4) + d);
        const n0 = bytesOf('0', d0);
        const n1 = bytesOf('1', d1);
        const pkl = viewsPickle(Object.fromEntries(vs.map((v) => [v.name, { ...v, numel: numelOf.get(v.key)! }])));
        return writeTorchArchive([
          { name: 'data.pkl', data: pkl },
          { name: 'data/0', data: new Uint8Array(n0) },
          { name: 'data/1', data: new Uint8Array(n1) },
        ]);
      }),
  );

const input = fc.oneof(
  {
    weight: 1,
    arbitrary: randomBytesArb(
      [
        Uint8Array.of(0x50, 0x4b, 0x03, 0x04),
        Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19),
      ],
      256,
    ),
  },
  { weight: 3, arbitrary: mutatedArb(seeds) },
  { weight: 5, arbitrary: rezipped },
  { weight: 3, arbitrary: views },
);

describe('PyTorch checkpoint reader (property)', () => {
  it('returns or throws typed errors, runs no payload', async () => {
    const s = await checkReader({
      reader: 'pytorch checkpoint → autoencoder',
      seed: 0x5eed_0006,
      arbitrary: input,
      run: (b) => readAutoencoderArtifact(b, 'pytorch'),
    });
    expect(s.cases).toBeGreaterThanOrEqual(10_000);
    expect(s.returned).toBeGreaterThan(0);
    expect(existsSync(MARKER)).toBe(false);
  });
});

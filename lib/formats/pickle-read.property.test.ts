/**
 * Property: the pickle readers (the torch allowlist interpreter, and the plain-data one behind
 * drawbridge-pickle) return a value or throw our typed errors, for random bytes, generated opcode
 * streams, mutations of real pickles and live code-execution payloads; each case within the time
 * cap, memory bounded; and no payload ever runs (its marker file never appears).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDrawbridgePickle } from './drawbridge-pickle';
import { readAutoencoderArtifact } from './read-artifact';
import { ModelValidationError } from './errors';
import { toPlain, unpickle } from './pickle-read';
import { writePickle } from './pickle-write';
import { openZip } from './zip';
import { randomAutoencoder } from './test-support/autoencoders';
import { fixture } from './test-support/helpers';
import { pickleStreamArb, plainCaseArb, STUB_STORAGES, type PlainCase } from './test-support/pickle-arbitraries';
import { payloadPickles } from './test-support/pickle-payloads';
import { checkReader, mutatedArb, propertyRuns, randomBytesArb } from './test-support/property';
import { PYTHON, pythonMissing, warnSkip } from './test-support/python';

const dir = mkdtempSync(path.join(tmpdir(), 'drawbridge-property-'));
const MARKER = path.join(dir, 'pickle-marker');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const payloads = payloadPickles(MARKER);
const dataPkl = (pth: Uint8Array): Uint8Array => {
  const z = openZip(pth);
  return z.read(z.entries.find((e) => e.name.endsWith('/data.pkl'))!.name);
};
const torchPkl = dataPkl(fixture('ae-32-16.pth'));
const seeds: Uint8Array[] = [
  ...[0, 1, 2, 3, 4, 5].map((p) => fixture(`plain-values.p${p}.pkl`)),
  torchPkl,
  dataPkl(fixture('malicious/non-contiguous.pth')),
  writeDrawbridgePickle(randomAutoencoder(4, [2], 3), { job_name: 'j', n: 1 }),
  writePickle({ a: [1, 2n ** 70n, 'x', new Uint8Array([1, 2])], b: { c: null, d: true } }, { protocol: 4 }),
  ...payloads.map((p) => p.bytes),
];
const payloadSet = new Set(payloads.map((p) => Buffer.from(p.bytes).toString('latin1')));

const input = fc.oneof(
  { weight: 2, arbitrary: randomBytesArb([Uint8Array.of(0x80, 2), Uint8Array.of(0x80, 4)], 256) },
  { weight: 4, arbitrary: pickleStreamArb },
  { weight: 4, arbitrary: mutatedArb(seeds) },
  { weight: 1, arbitrary: fc.constantFrom(...payloads.map((p) => p.bytes)) },
);

const loadStorage = (key: string): Uint8Array => {
  const s = STUB_STORAGES[key];
  if (!s) throw new ModelValidationError('storage_missing', `storage ${key} is missing`);
  return s;
};

/** A payload, byte for byte, must be refused as unsafe (never accepted, never "malformed" only by luck). */
function refusesPayloads(bytes: Uint8Array, label: string): void {
  if (payloadSet.has(Buffer.from(bytes).toString('latin1'))) {
    expect(label).toMatch(/unsafe_pickle_global|pickle_forbidden_opcode|pickle_malformed/);
  }
}

describe('pickle readers (property)', () => {
  it('a protocol-0 FLOAT of 20 000 digits is refused at once (found by the property: it took seconds)', () => {
    const b = new TextEncoder().encode(`F${'1'.repeat(20_000)}x\n.`);
    const t0 = performance.now();
    expect(() => unpickle(b)).toThrow(expect.objectContaining({ code: 'pickle_malformed' }));
    // It took seconds; 500 ms leaves room for a busy CI machine's pauses, not for that.
    expect(performance.now() - t0).toBeLessThan(500);
    expect(unpickle(new TextEncoder().encode('F-1.5e-3\n.'))).toBe(-1.5e-3);
  });

  it('the payloads are live: CPython pickle.loads really runs them', (ctx) => {
    const missing = pythonMissing(['pickle']);
    warnSkip('payload liveness', missing);
    if (missing) return ctx.skip();
    const live = payloadPickles(path.join(dir, 'live-MARK')).map((p, i) => ({
      ...p,
      file: path.join(dir, `live-${i}.pkl`),
      marker: path.join(dir, `live-${i}`),
    }));
    for (const [i, p] of live.entries()) writeFileSync(p.file, payloadPickles(p.marker)[i].bytes);
    const script =
      'import pickle,sys\nfor f in sys.argv[1:]:\n  try: pickle.loads(open(f,"rb").read())\n  except Exception: pass\n';
    const r = spawnSync(PYTHON, ['-c', script, ...live.map((p) => p.file)], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const ran = live.filter((p) => existsSync(p.marker)).map((p) => p.name);
    expect(ran).toEqual(live.filter((p) => p.live).map((p) => p.name));
    console.log(
      `[property] payload liveness: ${ran.length} of ${live.length} payloads create their marker under CPython pickle.loads`,
    );
  });

  it('the torch allowlist interpreter only returns or throws typed errors, and runs nothing', async () => {
    const s = await checkReader({
      reader: 'pickle (torch allowlist)',
      seed: 0x5eed_0001,
      arbitrary: input,
      run: (b) => toPlain(unpickle(b, { loadStorage })),
      onError: (b, label) => refusesPayloads(b, label),
    });
    expect(s.cases).toBeGreaterThanOrEqual(10_000);
    expect(existsSync(MARKER)).toBe(false);
  });

  it('pickles our writer makes (protocols 2–4, every plain type, nested) read back exactly', async () => {
    const s = await checkReader<PlainCase>({
      reader: 'pickle round trip',
      seed: 0x5eed_0009,
      // Supplementary to the 2 × 10 000 hostile cases above; kept smaller for the suite's time.
      numRuns: Math.min(3000, propertyRuns()),
      arbitrary: plainCaseArb(),
      run: (c) => toPlain(unpickle(writePickle(c.value, { protocol: c.protocol }))),
      onReturn: (c, result) => expect(result).toEqual(c.expected),
      onError: (_c, label) => {
        throw new Error(`an honest pickle was refused: ${label}`);
      },
    });
    expect(s.returned).toBe(s.cases);
  });

  it('the plain-data reader (drawbridge-pickle → autoencoder) only returns or throws typed errors, and runs nothing', async () => {
    const s = await checkReader({
      reader: 'drawbridge-pickle (plain data) → autoencoder',
      seed: 0x5eed_0002,
      arbitrary: input,
      run: (b) => readAutoencoderArtifact(b, 'pickle'),
      onReturn: (b) => {
        if (payloadSet.has(Buffer.from(b).toString('latin1'))) throw new Error('a payload was accepted');
      },
      onError: (b, label) => refusesPayloads(b, label),
    });
    expect(s.cases).toBeGreaterThanOrEqual(10_000);
    expect(existsSync(MARKER)).toBe(false);
  });
});

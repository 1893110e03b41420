/**
 * Property: openZip + reading every entry returns or throws our typed errors for random bytes,
 * field-by-field generated archives (honest or lying) and mutations of real archives, within the
 * time cap, memory bounded; an honest archive always reads back exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeZip } from './zip-write';
import { openZip } from './zip';
import { fixture } from './test-support/helpers';
import { checkReader, mutatedArb, randomBytesArb } from './test-support/property';
import { buildZip, honest, zipSpecArb, type ZipSpec } from './test-support/zip-arbitraries';

type Input = { bytes: Uint8Array; spec?: ZipSpec };

const seeds = [
  fixture('deflated.pth'),
  fixture('zip64.pth'),
  fixture('parameters-keep-vars.pth'),
  ...['zip-duplicate', 'zip-overlap', 'zip-crc-mismatch', 'zip-header-mismatch-size', 'zip-slip-nul'].map((n) =>
    fixture(`malicious/${n}.zip`),
  ),
  writeZip([
    { name: 'a/data.pkl', data: new Uint8Array([0x80, 2, 0x4e, 0x2e]) },
    { name: 'a/data/0', data: new Uint8Array(40).fill(7) },
  ]),
  writeZip([], { alignment: 1 }),
];
const PK = [Uint8Array.of(0x50, 0x4b, 0x03, 0x04), Uint8Array.of(0x50, 0x4b, 0x05, 0x06)];

const input: fc.Arbitrary<Input> = fc.oneof(
  { weight: 2, arbitrary: randomBytesArb(PK, 256).map((bytes) => ({ bytes })) },
  { weight: 5, arbitrary: zipSpecArb.map((spec) => ({ bytes: buildZip(spec), spec })) },
  { weight: 4, arbitrary: mutatedArb(seeds).map((bytes) => ({ bytes })) },
);

const small = (s: ZipSpec): boolean => honest(s) && s.entries.every((e) => e.data.length <= 64 * 1024);

describe('zip reader (property)', () => {
  it('returns or throws typed errors; honest archives read back exactly', async () => {
    const s = await checkReader<Input>({
      reader: 'zip',
      seed: 0x5eed_0003,
      arbitrary: input,
      run: ({ bytes }) => {
        const z = openZip(bytes);
        return z.entries.map((e) => ({ name: e.name, data: z.read(e.name) }));
      },
      onReturn: ({ spec }, result) => {
        if (!spec || !honest(spec)) return;
        const got = result as { name: string; data: Uint8Array }[];
        const want = spec.order.map((i) => spec.entries[i]); // central-directory order
        expect(got.map((g) => g.name)).toEqual(want.map((e) => Buffer.from(e.name).toString('utf8')));
        got.forEach((g, i) => expect(Buffer.from(g.data).equals(Buffer.from(want[i].data))).toBe(true));
      },
      onError: ({ spec }, label) => {
        if (spec && small(spec)) throw new Error(`an honest archive was refused: ${label}`);
      },
    });
    expect(s.cases).toBeGreaterThanOrEqual(10_000);
  });
});

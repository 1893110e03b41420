/**
 * Property: readSafetensors (and the artifact reader on top, which turns the file into the
 * autoencoder) returns or throws our typed errors for random bytes, generated headers (honest or
 * lying: dtypes, shapes, offsets, metadata, whitespace runs, escapes, nesting, length fields) and
 * mutations of real files, within the time cap, memory bounded; honest files read back exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { autoencoderStateDict } from './autoencoder-tensors';
import { readAutoencoderArtifact } from './read-artifact';
import { readSafetensors, writeAutoencoderSafetensors, writeSafetensors } from './safetensors';
import type { DType, StateDict } from './types';
import { randomAutoencoder } from './test-support/autoencoders';
import { maliciousSafetensors, rawSafetensors } from './test-support/malicious';
import { checkReader, mutatedArb, randomBytesArb } from './test-support/property';

type Input = { bytes: Uint8Array; honest?: StateDict };

const SIZES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, U8: 1, BOOL: 1 };
const DT: Record<string, DType> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  U8: 'uint8',
  BOOL: 'bool',
};

/** An honest file: tensors with random dtypes/shapes, written by our writer. */
const honestArb: fc.Arbitrary<Input> = fc
  .array(
    fc.record({
      name: fc.oneof(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.constantFrom('encoder.0.weight', '__proto__', 'constructor', '0'),
      ),
      dtype: fc.constantFrom(...Object.keys(SIZES)),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    }),
    { maxLength: 4 },
  )
  .chain((ts) =>
    fc
      .tuple(
        fc.tuple(
          ...ts.map((t) =>
            fc.uint8Array({
              minLength: t.shape.reduce((a, b) => a * b, 1) * SIZES[t.dtype],
              maxLength: t.shape.reduce((a, b) => a * b, 1) * SIZES[t.dtype],
            }),
          ),
        ),
        fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
      )
      .map(([datas, meta]) => {
        const sd: StateDict = new Map();
        ts.forEach((t, i) => {
          if (t.name !== '__metadata__' && !sd.has(t.name))
            sd.set(t.name, { dtype: DT[t.dtype], shape: t.shape, bytes: datas[i] });
        });
        return { bytes: writeSafetensors(sd, meta), honest: sd };
      }),
  );

const num = fc.oneof(
  fc.integer({ min: -2, max: 40 }),
  fc.constantFrom(1.5, 1e300, 2 ** 53, 2 ** 64, -0),
  fc.constant('4'),
);
const entryJson = fc
  .record({
    dtype: fc.oneof(fc.constantFrom(...Object.keys(SIZES)), fc.constantFrom('F8_E4M3', 'f32', '', 5)),
    shape: fc.oneof(fc.array(num, { maxLength: 3 }), fc.constantFrom('x', null, {})),
    data_offsets: fc.oneof(fc.tuple(num, num), fc.array(num, { maxLength: 3 }), fc.constant(null)),
    extra: fc.option(fc.constant(1), { nil: undefined }),
  })
  .map(({ extra, ...e }) => (extra === undefined ? e : { ...e, extra }));
const archJson = fc.oneof(
  fc.constant('{"input_dim": 4, "hidden_dims": [2], "model_type": "autoencoder"}'),
  fc.constantFrom(
    '5',
    '"x"',
    'null',
    '[1]',
    'true',
    '{',
    '{"input_dim": 1e400}',
    '{"hidden_dims": "ab"}',
    '{"model_type": 7}',
  ),
);
const metaJson = fc.dictionary(
  fc.constantFrom('format', 'model_architecture', 'job_name', '__proto__'),
  fc.oneof(fc.string({ maxLength: 8 }), archJson, fc.integer()),
  { maxKeys: 3 },
);

/** A raw header from parts, with optional whitespace runs, escapes and deep nesting. */
const rawArb: fc.Arbitrary<Input> = fc
  .record({
    entries: fc.array(
      fc.tuple(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'a', '\u0000', '\ud800')), entryJson),
      { maxLength: 4 },
    ),
    meta: fc.option(metaJson, { nil: undefined }),
    ws: fc.oneof(
      { weight: 6, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }) },
    ),
    wsAt: fc.nat(),
    nest: fc.oneof(
      { weight: 8, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 10, max: 3000 }) },
    ),
    dataLen: fc.integer({ min: 0, max: 96 }),
    declared: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(0n, 1n, 7n, 2n ** 32n, 2n ** 63n) },
    ),
  })
  .map((r) => {
    const parts: string[] = [];
    if (r.meta) parts.push(`"__metadata__":${JSON.stringify(r.meta)}`);
    for (const [k, v] of r.entries) parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    if (r.nest) parts.push(`"deep":${'['.repeat(r.nest)}${']'.repeat(r.nest)}`);
    let text = `{${parts.join(',')}}`;
    if (r.ws) {
      const at = 1 + (r.wsAt % text.length);
      text = text.slice(0, at) + ' '.repeat(r.ws) + text.slice(at);
    }
    return { bytes: rawSafetensors(text, r.dataLen, { declaredSize: r.declared }) };
  });

const ae = randomAutoencoder(6, [3], 5);
const seeds = [
  writeAutoencoderSafetensors(ae, { job_name: 'j' }),
  writeSafetensors(new Map([['w', { dtype: 'float16' as DType, shape: [2, 2], bytes: new Uint8Array(8) }]]), {}),
  ...maliciousSafetensors().map((c) => c.bytes),
];

const input: fc.Arbitrary<Input> = fc.oneof(
  {
    weight: 2,
    arbitrary: randomBytesArb([Uint8Array.of(40, 0, 0, 0, 0, 0, 0, 0, 0x7b)], 256).map((bytes) => ({ bytes })),
  },
  { weight: 3, arbitrary: honestArb },
  { weight: 4, arbitrary: rawArb },
  { weight: 4, arbitrary: mutatedArb(seeds).map((bytes) => ({ bytes })) },
);

/** The autoencoder's weights with a random declared architecture. */
const aeWithArch: fc.Arbitrary<Input> = archJson.map((a) => ({
  bytes: writeSafetensors(autoencoderStateDict(ae), { model_architecture: a }),
}));

describe('safetensors reader (property)', () => {
  it('found by the property: a mid-header space run parses in linear time; a non-object model_architecture is a typed error', () => {
    const spaced = rawSafetensors(`{${' '.repeat(20_000)}"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1);
    const t0 = performance.now();
    expect([...readSafetensors(spaced).tensors.keys()]).toEqual(['a']);
    // Quadratic took seconds; 500 ms leaves room for a busy CI machine's pauses, not for that.
    expect(performance.now() - t0).toBeLessThan(500);
    for (const a of ['5', '"x"', '[1]', 'true']) {
      const b = writeSafetensors(autoencoderStateDict(ae), { model_architecture: a });
      expect(() => readAutoencoderArtifact(b, 'safetensors')).toThrow(
        expect.objectContaining({ code: 'safetensors_bad_metadata' }),
      );
    }
  });

  it('readSafetensors returns or throws typed errors; honest files read back exactly', async () => {
    const s = await checkReader<Input>({
      reader: 'safetensors',
      seed: 0x5eed_0004,
      arbitrary: input,
      run: ({ bytes }) => readSafetensors(bytes),
      onReturn: ({ honest }, result) => {
        if (!honest) return;
        const { tensors } = result as ReturnType<typeof readSafetensors>;
        expect([...tensors.keys()].sort()).toEqual([...honest.keys()].sort());
        for (const [k, t] of honest) expect(Buffer.from(tensors.get(k)!.bytes).equals(Buffer.from(t.bytes))).toBe(true);
      },
      onError: ({ honest }, label) => {
        if (honest) throw new Error(`an honest file was refused: ${label}`);
      },
    });
    expect(s.cases).toBeGreaterThanOrEqual(10_000);
  });

  it('the artifact reader (safetensors → autoencoder) returns or throws typed errors', async () => {
    const s = await checkReader<Input>({
      reader: 'safetensors → autoencoder',
      seed: 0x5eed_0005,
      arbitrary: fc.oneof({ weight: 6, arbitrary: input }, { weight: 1, arbitrary: aeWithArch }),
      run: ({ bytes }) => readAutoencoderArtifact(bytes, 'safetensors'),
    });
    expect(s.cases).toBeGreaterThanOrEqual(10_000);
  });
});

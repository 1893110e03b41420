/**
 * Property: readOnnx and onnxToAutoencoder return or throw our typed errors for random bytes,
 * generated protobuf messages shaped like ModelProto (graphs, nodes, attributes, tensors with
 * every data field, value infos, wrong wire types, huge varints and lengths, nesting) and
 * mutations of models our writer produces; within the time cap, memory bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { onnxToAutoencoder, readOnnx } from './onnx';
import { writeOnnx } from './onnx-write';
import { PbWriter } from './protobuf';
import { randomAutoencoder } from './test-support/autoencoders';
import { maliciousOnnx } from './test-support/malicious';
import { checkReader, mutatedArb, randomBytesArb } from './test-support/property';

const varint = fc.oneof(
  fc.integer({ min: -3, max: 40 }),
  fc.constantFrom(2 ** 31, 2 ** 53 - 1, 2 ** 52),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

/** A message of random fields, with the given generators for the LEN fields it knows about. */
function message(known: Record<number, fc.Arbitrary<Uint8Array>>, maxFields = 6): fc.Arbitrary<Uint8Array> {
  const nos = Object.keys(known).map(Number);
  const field = fc.oneof(
    {
      weight: 4,
      arbitrary: nos.length
        ? fc.constantFrom(...nos).chain((no) => known[no].map((b) => ({ no, kind: 'len' as const, b })))
        : fc.constant(null),
    },
    // Scalars mostly in fields the message does not use as LEN (a clash is just onnx_malformed at the top).
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1, max: 25 }).filter((no) => !nos.includes(no)),
          varint,
        )
        .map(([no, v]) => ({ no, kind: 'varint' as const, v })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 25 }), varint)
        .map(([no, v]) => ({ no, kind: 'varint' as const, v })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1, max: 25 }).filter((no) => !nos.includes(no)),
          fc.float(),
        )
        .map(([no, f]) => ({ no, kind: 'f32' as const, f })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1, max: 25 }).filter((no) => !nos.includes(no)),
          fc.uint8Array({ maxLength: 12 }),
        )
        .map(([no, b]) => ({ no, kind: 'len' as const, b })),
    },
  );
  return fc.array(field, { maxLength: maxFields }).map((fs) => {
    const w = new PbWriter();
    for (const f of fs) {
      if (!f) continue;
      if (f.kind === 'len') w.bytes(f.no, f.b);
      else if (f.kind === 'varint') w.int(f.no, f.v);
      else w.float(f.no, f.f);
    }
    return w.finish();
  });
}

const str = fc
  .oneof(
    fc.constantFrom(
      'input',
      'output',
      'Gemm',
      'Relu',
      'encoder.0.weight',
      'encoder.0.bias',
      'transB',
      'alpha',
      '',
      'ai.onnx',
    ),
    fc.string({ maxLength: 6 }),
  )
  .map((s) => new TextEncoder().encode(s));
const f32s = fc.array(fc.float(), { maxLength: 8 }).map((a) => new Uint8Array(new Float32Array(a).buffer));
/** Packed varints (a repeated int field's LEN form). */
const packed = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { maxLength: 6 })
  .map((a) => {
    const out: number[] = [];
    for (const v of a) {
      let x = BigInt(v);
      for (; x >= 0x80n; x >>= 7n) out.push(Number(x & 0x7fn) | 0x80);
      out.push(Number(x));
    }
    return Uint8Array.from(out);
  });
const tensor = message(
  {
    1: packed,
    4: f32s,
    5: packed,
    7: packed,
    8: str,
    9: fc.uint8Array({ maxLength: 64 }),
    10: fc.uint8Array({ maxLength: 32 }),
    13: str,
  },
  8,
);
const dimMsg = message({ 2: str });
const shape = fc.array(dimMsg, { maxLength: 3 }).map((ds) => {
  const w = new PbWriter();
  for (const d of ds) w.bytes(1, d);
  return w.finish();
});
const tensorType = message({ 2: shape });
const typeProto = message({ 1: tensorType });
const valueInfo = message({ 1: str, 2: typeProto });
const subgraph = message({ 5: tensor });
const attribute = message({ 1: str, 4: str, 5: tensor, 6: subgraph, 7: f32s, 8: packed });
const node = message({ 1: str, 2: str, 3: str, 4: str, 5: attribute, 7: str }, 8);
const graph = message({ 1: node, 2: str, 5: tensor, 11: valueInfo, 12: valueInfo }, 10);
const opset = message({ 1: str });
const meta = message({ 1: str, 2: str });
const model = message(
  { 2: str, 3: str, 7: graph, 8: opset, 14: meta, 20: message({ 1: graph }), 25: message({ 7: node }) },
  8,
);

const seeds = [
  writeOnnx(randomAutoencoder(4, [2], 1), { metadata: { job: 'j' } }),
  writeOnnx(randomAutoencoder(6, [4, 2], 2), { metadata: {}, opset: 13 }),
  ...maliciousOnnx().map((c) => c.bytes),
];

const input = fc.oneof(
  { weight: 1, arbitrary: randomBytesArb([Uint8Array.of(0x08, 0x08, 0x3a)], 256) },
  { weight: 4, arbitrary: model },
  { weight: 4, arbitrary: mutatedArb(seeds) },
);

describe('ONNX reader (property)', () => {
  it('readOnnx + onnxToAutoencoder return or throw typed errors', async () => {
    const s = await checkReader({
      reader: 'onnx → autoencoder',
      seed: 0x5eed_0007,
      arbitrary: input,
      run: (b) => onnxToAutoencoder(readOnnx(b)),
    });
    expect(s.cases).toBeGreaterThanOrEqual(10_000);
  });
});

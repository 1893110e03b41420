import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnxToAutoencoder, readOnnx } from './onnx';
import { writeOnnx } from './onnx-write';
import { autoencoderStateDict } from './autoencoder-tensors';
import { float32ToBytesLE } from './bytes-write';
import { ModelCompatibilityError, ModelValidationError } from './errors';
import type { Autoencoder } from './types';
import {
  randomAutoencoder,
  randomInput,
  referenceForward,
  relativeError,
  sameBytes,
} from './test-support/autoencoders';
import { maliciousOnnx } from './test-support/malicious';
import { pythonMissing, runPython, warnSkip, withTempDir } from './test-support/python';
import { codeOf } from './test-support/helpers';

const big = randomAutoencoder(832, [512, 256, 128, 64], 2024);
const small = randomAutoencoder(16, [8, 4], 3);
const metadata = { model_id: 'mdl_1', age_group: '3-4', architecture_hash: 'sha256:abc', source_checksum: 'f00d' };

async function runOrt(bytes: Uint8Array, ae: Autoencoder, batch: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const x = randomInput(batch * ae.architecture.inputDim, batch);
    const out = await session.run({ input: new ort.Tensor('float32', x, [batch, ae.architecture.inputDim]) });
    expect(out.output.dims).toEqual([batch, ae.architecture.inputDim]);
    return out.output.data as Float32Array;
  } finally {
    await session.release();
  }
}

const code = (fn: () => unknown) => codeOf(fn, ModelValidationError, ModelCompatibilityError);

describe('ONNX', () => {
  const bytes = writeOnnx(big, { metadata });

  it('reads back: IR 8, opset 17, symbolic batch, Gemm/Relu chain, exact initializers, metadata', () => {
    const m = readOnnx(bytes);
    expect(m.irVersion).toBe(8);
    expect(m.opset).toBe(17);
    expect(m.inputs).toEqual([{ name: 'input', elemType: 1, dtype: 'float32', shape: ['batch', 832] }]);
    expect(m.outputs).toEqual([{ name: 'output', elemType: 1, dtype: 'float32', shape: ['batch', 832] }]);
    expect(m.nodes.map((n) => n.opType)).toEqual([
      'Gemm',
      'Relu',
      'Gemm',
      'Relu',
      'Gemm',
      'Relu',
      'Gemm',
      'Relu',
      'Gemm',
      'Relu',
      'Gemm',
      'Relu',
      'Gemm',
      'Relu',
      'Gemm',
    ]);
    expect(m.nodes[0].attributes).toEqual({ alpha: 1, beta: 1, transB: 1 });
    expect(m.nodes[0].inputs).toEqual(['input', 'encoder.0.weight', 'encoder.0.bias']);
    expect(m.metadataProps).toEqual(metadata);
    const sd = autoencoderStateDict(big);
    expect([...m.initializers.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of sd) {
      const r = m.initializers.get(k)!;
      expect([r.dtype, r.shape]).toEqual([t.dtype, t.shape]);
      expect(sameBytes(r.bytes, t.bytes)).toBe(true);
    }
  });

  it('maps back to the same autoencoder (onnxToAutoencoder)', () => {
    const back = onnxToAutoencoder(readOnnx(bytes));
    expect(back.architecture).toEqual(big.architecture);
    back.layers.forEach((l, i) => {
      const o = big.layers[i];
      expect([l.name, l.inFeatures, l.outFeatures, l.relu]).toEqual([o.name, o.inFeatures, o.outFeatures, o.relu]);
      expect(sameBytes(float32ToBytesLE(l.weight), float32ToBytesLE(o.weight))).toBe(true);
      expect(sameBytes(float32ToBytesLE(l.bias), float32ToBytesLE(o.bias))).toBe(true);
    });
  });

  it('onnxruntime-node matches the reference forward ≤ 1e-5 (832-[512,256,128,64], batch 1 and 37)', async () => {
    for (const batch of [1, 37]) {
      const y = await runOrt(bytes, big, batch);
      const ref = referenceForward(big, randomInput(batch * 832, batch), batch);
      expect(relativeError(y, ref), `batch ${batch}`).toBeLessThanOrEqual(1e-5);
    }
  });

  it('honours the opset option', async () => {
    const b13 = writeOnnx(small, { opset: 13, metadata: {} });
    expect(readOnnx(b13).opset).toBe(13);
    const y = await runOrt(b13, small, 5);
    expect(relativeError(y, referenceForward(small, randomInput(5 * 16, 5), 5))).toBeLessThanOrEqual(1e-5);
    expect(() => writeOnnx(small, { opset: 3, metadata: {} })).toThrow(
      expect.objectContaining({ code: 'export_bad_opset' }),
    );
  });

  it('is deterministic', () => {
    expect(sameBytes(writeOnnx(big, { metadata }), bytes)).toBe(true);
  });

  it('rejects external data and malformed protobuf with the right codes', () => {
    for (const c of maliciousOnnx())
      expect(
        code(() => readOnnx(c.bytes)),
        c.name,
      ).toBe(c.code);
  });

  it('onnxToAutoencoder refuses graphs that are not the autoencoder', () => {
    const m = readOnnx(writeOnnx(small, { metadata: {} }));
    expect(code(() => onnxToAutoencoder({ ...m, nodes: m.nodes.slice(0, -2) }))).toBe('onnx_not_autoencoder');
    expect(
      code(() =>
        onnxToAutoencoder({ ...m, nodes: m.nodes.map((n) => (n.opType === 'Relu' ? { ...n, opType: 'Sigmoid' } : n)) }),
      ),
    ).toBe('onnx_not_autoencoder');
    const gemm0 = { ...m.nodes[0], attributes: { ...m.nodes[0].attributes, transB: 0 } };
    expect(code(() => onnxToAutoencoder({ ...m, nodes: [gemm0, ...m.nodes.slice(1)] }))).toBe('onnx_not_autoencoder');
  });

  const missing = pythonMissing(['onnx']);
  warnSkip('onnx python interop', missing);
  describe.skipIf(missing !== null)('with the onnx Python package', () => {
    let out: { checked: string[]; ir: number; opset: number; props: Record<string, string>; inputs: unknown };
    let externalBytes: Uint8Array;
    beforeAll(() => {
      withTempDir((dir) => {
        const p = path.join(dir, 'big.onnx');
        const q = path.join(dir, 'small13.onnx');
        writeFileSync(p, bytes);
        writeFileSync(q, writeOnnx(small, { opset: 13, metadata: {} }));
        out = runPython(
          String.raw`
import json, sys, onnx
from onnx import checker
checked = []
for p in sys.argv[1:3]:
    m = onnx.load(p)
    checker.check_model(m, full_check=True)
    checked.append(p.rsplit('/', 1)[-1])
m = onnx.load(sys.argv[1])
inp = [[d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in m.graph.input]
# Save a copy with external data, as onnx does for > 2 GB models.
onnx.save_model(m, sys.argv[3], save_as_external_data=True, all_tensors_to_one_file=True, location='weights.bin', size_threshold=0)
print(json.dumps({'checked': checked, 'ir': m.ir_version, 'opset': m.opset_import[0].version,
  'props': {p.key: p.value for p in m.metadata_props}, 'inputs': inp}))`,
          [p, q, path.join(dir, 'ext.onnx')],
        );
        externalBytes = new Uint8Array(readFileSync(path.join(dir, 'ext.onnx')));
      });
    });

    it('onnx.checker.check_model(full_check=True) passes (opset 17 and 13)', () => {
      expect(out.checked).toEqual(['big.onnx', 'small13.onnx']);
      expect([out.ir, out.opset]).toEqual([8, 17]);
      expect(out.props).toEqual(metadata);
      expect(out.inputs).toEqual([['batch', 832]]);
    });

    it('refuses a model onnx saved with external data', () => {
      expect(code(() => readOnnx(externalBytes))).toBe('onnx_external_data');
    });
  });
});

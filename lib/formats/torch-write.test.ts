import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { stateDictValue, TorchTensorRef, writeTorchCheckpoint, writeTorchPickleArchive } from './torch-write';
import { autoencoderStateDict } from './autoencoder-tensors';
import { readCheckpoint } from './torch-read';
import { toAutoencoder } from './architecture';
import { bytesLEToFloat32, float32ToBytesLE } from './bytes-write';
import type { StateDict, Tensor } from './types';
import {
  randomAutoencoder,
  randomInput,
  referenceForward,
  relativeError,
  sameBytes,
} from './test-support/autoencoders';
import { pythonMissing, runPython, warnSkip, withTempDir } from './test-support/python';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const ae = randomAutoencoder(832, [512, 256, 128, 64], 42);
const metadata = { model_id: 'm-1', age_group_min: 3, age_group_max: 4, final_loss: 0.0123, ok: true, note: null };

const mixed: StateDict = new Map<string, Tensor>([
  ['f16', { dtype: 'float16', shape: [2, 3], bytes: Uint8Array.from({ length: 12 }, (_, i) => (i * 37) & 0x7b) }],
  ['bf16', { dtype: 'bfloat16', shape: [3], bytes: Uint8Array.from([0x80, 0x3f, 0x00, 0x40, 0x40, 0xc0]) }],
  ['f64', { dtype: 'float64', shape: [2], bytes: new Uint8Array(new Float64Array([Math.PI, -2]).buffer) }],
  ['i64', { dtype: 'int64', shape: [2], bytes: new Uint8Array(new BigInt64Array([-5n, 2n ** 40n]).buffer) }],
  ['i32', { dtype: 'int32', shape: [1, 1, 2], bytes: new Uint8Array(new Int32Array([7, -7]).buffer) }],
  ['u8', { dtype: 'uint8', shape: [4], bytes: Uint8Array.from([0, 1, 128, 255]) }],
  ['bool', { dtype: 'bool', shape: [3], bytes: Uint8Array.from([1, 0, 1]) }],
  ['scalar', { dtype: 'float32', shape: [], bytes: float32ToBytesLE(Float32Array.of(1.5)) }],
  ['empty', { dtype: 'float32', shape: [0, 3], bytes: new Uint8Array(0) }],
]);

describe('writeTorchCheckpoint', () => {
  const bytes = writeTorchCheckpoint(ae, metadata);

  it('round-trips through the read side (readCheckpoint → toAutoencoder) byte for byte', () => {
    const ckpt = readCheckpoint(bytes);
    expect(ckpt.layout).toBe('original');
    expect([...ckpt.stateDict.keys()]).toEqual([...autoencoderStateDict(ae).keys()]);
    for (const [k, t] of autoencoderStateDict(ae)) {
      const r = ckpt.stateDict.get(k)!;
      expect(r.dtype).toBe('float32');
      expect(r.shape).toEqual(t.shape);
      expect(sameBytes(r.bytes, t.bytes)).toBe(true);
    }
    expect(ckpt.modelArchitecture).toMatchObject({
      input_dim: 832,
      hidden_dims: [512, 256, 128, 64],
      model_type: 'autoencoder',
    });
    const back = toAutoencoder(ckpt);
    expect(back.architecture).toEqual(ae.architecture);
    back.layers.forEach((l, i) => {
      expect(l.name).toBe(ae.layers[i].name);
      expect(l.relu).toBe(ae.layers[i].relu);
      expect(sameBytes(float32ToBytesLE(l.weight), float32ToBytesLE(ae.layers[i].weight))).toBe(true);
      expect(sameBytes(float32ToBytesLE(l.bias), float32ToBytesLE(ae.layers[i].bias))).toBe(true);
    });
  });

  it('is deterministic', () => {
    expect(sha(writeTorchCheckpoint(ae, metadata))).toBe(sha(bytes));
  });

  it('writes generic tensors of every dtype and shape through the read side', () => {
    const ckpt = readCheckpoint(writeTorchPickleArchive({ model_state_dict: stateDictValue(mixed) }));
    for (const [k, t] of mixed) {
      const r = ckpt.stateDict.get(k)!;
      expect([r.dtype, r.shape]).toEqual([t.dtype, t.shape]);
      expect(sameBytes(r.bytes, t.bytes)).toBe(true);
    }
  });

  const missing = pythonMissing(['torch', 'numpy']);
  warnSkip('torch interop', missing);
  describe.skipIf(missing !== null)('with real PyTorch (torch.load weights_only=True)', () => {
    type Out = {
      top: string[];
      sdType: string;
      keys: string[];
      sha: Record<string, string>;
      arch: unknown;
      metadata: unknown;
      mixed: Record<string, { dtype: string; shape: number[]; sha: string }>;
    };
    let out: Out;
    const batch = 37;
    const input = randomInput(batch * 832, 3);
    let torchOutput: Float32Array;
    beforeAll(() => {
      withTempDir((dir) => {
        const p = path.join(dir, 'model.pth');
        const pm = path.join(dir, 'mixed.pth');
        const xin = path.join(dir, 'x.bin');
        const yout = path.join(dir, 'y.bin');
        writeFileSync(p, bytes);
        writeFileSync(
          pm,
          writeTorchPickleArchive({
            model_state_dict: stateDictValue(mixed),
            n: [1, 2],
            t: new TorchTensorRef(mixed.get('i32')!),
          }),
        );
        writeFileSync(xin, float32ToBytesLE(input));
        out = runPython<Out>(
          String.raw`
import hashlib, json, sys, numpy as np, torch
from autoencoder import AutoencoderModel
p, pm, xin, yout, batch = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def raw(t): return t.contiguous().flatten().view(torch.uint8).numpy().tobytes()
ck = torch.load(p, weights_only=True)
sd = ck['model_state_dict']
arch = ck['model_architecture']
m = AutoencoderModel(arch['input_dim'], arch['hidden_dims'])
m.load_state_dict(sd, strict=True)
m.eval()
x = torch.from_numpy(np.fromfile(xin, dtype='<f4').reshape(batch, arch['input_dim']))
with torch.no_grad():
    m(x).numpy().astype('<f4').tofile(yout)
mk = torch.load(pm, weights_only=True)
assert mk['n'] == [1, 2] and torch.equal(mk['t'], mk['model_state_dict']['i32'])
print(json.dumps({
  'top': list(ck.keys()), 'sdType': type(sd).__name__, 'keys': list(sd.keys()),
  'sha': {k: hashlib.sha256(raw(v)).hexdigest() for k, v in sd.items()},
  'arch': arch, 'metadata': ck['metadata'],
  'mixed': {k: {'dtype': str(v.dtype), 'shape': list(v.shape), 'sha': hashlib.sha256(raw(v)).hexdigest()} for k, v in mk['model_state_dict'].items()},
}))`,
          [p, pm, xin, yout, String(batch)],
        );
        torchOutput = bytesLEToFloat32(new Uint8Array(readFileSync(yout)));
      });
    });

    it('loads with weights_only=True as {model_state_dict: OrderedDict, model_architecture, metadata}', () => {
      expect(out.top).toEqual(['model_state_dict', 'model_architecture', 'metadata']);
      expect(out.sdType).toBe('OrderedDict');
      expect(out.arch).toEqual({ input_dim: 832, hidden_dims: [512, 256, 128, 64], model_type: 'autoencoder' });
      // torch 1.13's weights_only unpickler has no BINFLOAT: floats travel as strings.
      expect(out.metadata).toEqual({ ...metadata, final_loss: '0.0123' });
    });

    it('load_state_dict(strict=True) accepts the exact weights', () => {
      const sd = autoencoderStateDict(ae);
      expect(out.keys).toEqual([...sd.keys()]);
      for (const [k, t] of sd) expect(out.sha[k], k).toBe(sha(t.bytes));
    });

    it('the PyTorch forward pass matches the reference ≤ 1e-5 (batch 37)', () => {
      const ref = referenceForward(ae, input, batch);
      expect(relativeError(torchOutput, ref)).toBeLessThanOrEqual(1e-5);
    });

    it('stores every dtype torch understands, bytes intact', () => {
      const torchNames: Record<string, string> = {
        float16: 'torch.float16',
        bfloat16: 'torch.bfloat16',
        float64: 'torch.float64',
        int64: 'torch.int64',
        int32: 'torch.int32',
        uint8: 'torch.uint8',
        bool: 'torch.bool',
        float32: 'torch.float32',
      };
      for (const [k, t] of mixed) {
        expect(out.mixed[k]).toEqual({ dtype: torchNames[t.dtype], shape: t.shape, sha: sha(t.bytes) });
      }
    });
  });
});

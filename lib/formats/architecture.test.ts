import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  architectureCanonicalString,
  architectureHash,
  describeLayers,
  inferArchitecture,
  parameterCount,
  toAutoencoder,
} from './architecture';
import { ModelCompatibilityError } from './errors';
import { forward, reconstructionErrors } from './forward';
import { sha256Hex } from './sha256';
import { readCheckpoint } from './torch-read';
import type { Autoencoder } from './types';
import { f32FromBase64 as f32, fixture as fx, thrown } from './test-support/helpers';

const FIX = new URL('./fixtures/', import.meta.url);
const compatErr = (fn: () => unknown) => thrown(ModelCompatibilityError, fn);

/**
 * Agreement with PyTorch, per sample: max_i |ours_i − torch_i| / max_i |torch_i|. (Element-wise relative
 * error is meaningless for outputs near zero: PyTorch's own float32 result differs from the exact value
 * by up to 2e-3 element-wise there, while staying within ~6e-7 of the row's scale.)
 */
function maxRelErr(ours: Float32Array, ref: Float32Array, rows: number): number {
  const d = ref.length / rows;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let scale = 0;
    let diff = 0;
    for (let i = r * d; i < (r + 1) * d; i++) {
      scale = Math.max(scale, Math.abs(ref[i]));
      diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    }
    worst = Math.max(worst, scale === 0 ? diff : diff / scale);
  }
  return worst;
}

function checkForward(dir: URL | string, name: string): Autoencoder {
  const meta = JSON.parse(
    readFileSync(path.join(dir instanceof URL ? dir.pathname : dir, `${name}.forward.json`), 'utf8'),
  );
  const ae = toAutoencoder(
    readCheckpoint(new Uint8Array(readFileSync(path.join(dir instanceof URL ? dir.pathname : dir, `${name}.pth`)))),
  );
  expect(ae.architecture).toEqual({ modelType: 'autoencoder', inputDim: meta.input_dim, hiddenDims: meta.hidden_dims });
  expect(parameterCount(ae.architecture)).toBe(meta.parameter_count);
  const x = f32(meta.input_f32le_b64);
  const y = forward(ae, x, meta.batch);
  expect(maxRelErr(y, f32(meta.output_f32le_b64), meta.batch)).toBeLessThanOrEqual(1e-5);
  const errs = reconstructionErrors(ae, x, meta.batch);
  const refErrs = f32(meta.errors_f32le_b64);
  for (let i = 0; i < meta.batch; i++) expect(Math.abs(errs[i] - refErrs[i]) / refErrs[i]).toBeLessThanOrEqual(1e-5); // MSE: element-wise
  return ae;
}

describe('architecture + forward vs PyTorch', () => {
  const names = readdirSync(FIX)
    .filter((f) => f.endsWith('.forward.json'))
    .map((f) => f.replace('.forward.json', ''));
  it.each(names)('%s', (name) => {
    const ae = checkForward(FIX, name);
    const meta = JSON.parse(readFileSync(new URL(`${name}.forward.json`, FIX), 'utf8'));
    expect(ae.sourceDType).toBe(meta.dtype);
    if (meta.dtype !== 'float32') expect(ae.notes).toContain(`converted ${meta.dtype} → float32`);
    else expect(ae.notes).toEqual([]);
    expect(ae.layers.map((l) => l.relu)).toEqual(ae.layers.map((_, i) => i !== ae.layers.length - 1));
  });

  const py = '/usr/bin/python3';
  const hasTorch =
    existsSync(py) &&
    (() => {
      try {
        execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
  it.skipIf(!hasTorch)('the production-size 832-[512,256,128,64] model, generated now by PyTorch', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drawbridge-large-'));
    try {
      execFileSync(py, [new URL('../../scripts/make-fixtures.py', import.meta.url).pathname, '--large', dir], {
        stdio: 'ignore',
      });
      const ae = checkForward(dir, 'ae-832-512-256-128-64');
      expect(parameterCount(ae.architecture)).toBe(1_198_720);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('architecture checks', () => {
  it('describeLayers / parameterCount / hash', () => {
    const arch = { modelType: 'autoencoder' as const, inputDim: 832, hiddenDims: [512, 256, 128, 64] };
    expect(describeLayers(arch).map((l) => [l.name, l.in, l.out, l.activation])).toEqual([
      ['encoder.0', 832, 512, 'relu'],
      ['encoder.3', 512, 256, 'relu'],
      ['encoder.6', 256, 128, 'relu'],
      ['encoder.9', 128, 64, 'relu'],
      ['decoder.0', 64, 128, 'relu'],
      ['decoder.3', 128, 256, 'relu'],
      ['decoder.6', 256, 512, 'relu'],
      ['decoder.9', 512, 832, 'none'],
    ]);
    expect(parameterCount(arch)).toBe(1_198_720);
    expect(architectureCanonicalString(arch)).toBe(
      'autoencoder-v1:input=832;hidden=512,256,128,64;dropout=0.1;activation=relu',
    );
    expect(architectureHash(arch)).toBe(
      sha256Hex(new TextEncoder().encode('autoencoder-v1:input=832;hidden=512,256,128,64;dropout=0.1;activation=relu')),
    );
    expect(architectureHash(arch)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('architecture mismatch with model_architecture → architecture_mismatch', () => {
    let e = compatErr(() => toAutoencoder(readCheckpoint(fx('malicious/architecture-mismatch.pth'))));
    expect(e.code).toBe('architecture_mismatch');
    expect(e.message).toContain('hidden_dims is [8,2] but the weights have [8,4]');
    e = compatErr(() => toAutoencoder(readCheckpoint(fx('malicious/architecture-mismatch-input.pth'))));
    expect(e.code).toBe('architecture_mismatch');
    expect(e.message).toContain('input_dim is 832 but the weights take 16 inputs');
  });

  it('non-autoencoder state dicts → not_an_autoencoder with the reason', () => {
    let e = compatErr(() => toAutoencoder(readCheckpoint(fx('malicious/not-autoencoder-batchnorm.pth'))));
    expect(e.code).toBe('not_an_autoencoder');
    expect(e.message).toMatch(/num_batches_tracked.*int64 buffer/);
    expect(e.message).toMatch(/BatchNorm/);
    e = compatErr(() => toAutoencoder(readCheckpoint(fx('malicious/not-autoencoder-cnn.pth'))));
    expect(e.code).toBe('not_an_autoencoder');
    expect(e.message).toContain('conv.weight');
  });

  it('structural problems in otherwise plausible state dicts', () => {
    const sd = readCheckpoint(fx('ae-64-32-16-sd.pth')).stateDict; // 64-[32,16]
    const drop = (k: string) => new Map([...sd].filter(([key]) => key !== k));
    expect(compatErr(() => inferArchitecture(drop('encoder.3.bias'))).message).toContain('encoder.3.bias is missing');
    expect(
      compatErr(() => inferArchitecture(new Map([...drop('decoder.3.weight')].filter(([k]) => k !== 'decoder.3.bias'))))
        .message,
    ).toMatch(/2 encoder layers but 1 decoder layers/);
    const renamed = new Map([...sd].map(([k, v]) => [k.replace('encoder.3', 'encoder.4'), v]));
    expect(compatErr(() => inferArchitecture(renamed)).message).toMatch(/not at a Linear position/);
    const swapped = new Map(sd);
    swapped.set('decoder.0.weight', sd.get('encoder.3.weight')!); // [16,32] where [32,16] belongs
    expect(compatErr(() => inferArchitecture(swapped)).message).toMatch(/decoder\.0/);
    const intW = new Map(sd);
    const w = sd.get('encoder.0.weight')!;
    intW.set('encoder.0.weight', { dtype: 'int32', shape: w.shape, bytes: w.bytes });
    expect(compatErr(() => inferArchitecture(intW)).message).toMatch(/int32/);
    expect(compatErr(() => inferArchitecture(new Map())).code).toBe('not_an_autoencoder');
  });

  it('non-finite weights → non_finite_weights', () => {
    const ckpt = readCheckpoint(fx('ae-32-16.pth'));
    const b = ckpt.stateDict.get('decoder.0.bias')!;
    const bytes = b.bytes.slice();
    new DataView(bytes.buffer).setFloat32(0, NaN, true);
    ckpt.stateDict.set('decoder.0.bias', { ...b, bytes });
    try {
      toAutoencoder(ckpt);
      throw new Error('expected an error');
    } catch (e) {
      expect((e as { code: string }).code).toBe('non_finite_weights');
    }
  });

  it('forward checks its input size', () => {
    const ae = toAutoencoder(readCheckpoint(fx('ae-32-16.pth')));
    expect(() => forward(ae, new Float32Array(31), 1)).toThrow(RangeError);
    expect(forward(ae, new Float32Array(0), 0).length).toBe(0);
  });
});

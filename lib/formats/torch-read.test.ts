import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toFloat32Array } from './dtype';
import { ModelValidationError } from './errors';
import { readCheckpoint } from './torch-read';
import { expectNoPwnedMarkers, f32FromBase64 as f32, fixture as fx, thrown } from './test-support/helpers';
import { hostileCheckpoints, ZIP_BOMB_INFLATED_BYTES } from './test-support/hostile-checkpoints';

const json = (p: string) => JSON.parse(new TextDecoder().decode(fx(p)));
const err = (fn: () => unknown) => thrown(ModelValidationError, fn);

expectNoPwnedMarkers();

describe('readCheckpoint: valid files', () => {
  const models = readdirSync(new URL('./fixtures/', import.meta.url)).filter((f) => f.endsWith('.forward.json'));
  it.each(models)('%s', (f) => {
    const meta = json(f);
    const ckpt = readCheckpoint(fx(`${meta.name}.pth`));
    expect(ckpt.layout).toBe(meta.layout);
    expect([...ckpt.stateDict.keys()]).toEqual(meta.keys); // file order kept
    for (const t of ckpt.stateDict.values()) expect(t.dtype).toBe(meta.dtype);
    if (meta.layout === 'original') {
      expect(ckpt.modelArchitecture).toMatchObject({
        input_dim: meta.input_dim,
        hidden_dims: meta.hidden_dims,
        model_type: 'autoencoder',
      });
      expect(ckpt.trainingConfig).toMatchObject({ epochs: 3, early_stopping: true, notes: null, age_group: [3, 4] });
    }
  });

  it('tolerates optimizer state, epoch and metadata (and parses them under the same allowlist)', () => {
    const ckpt = readCheckpoint(fx('with-optimizer.pth'));
    expect(ckpt.layout).toBe('original');
    expect(ckpt.metadata).toEqual({ age_group_min: 3, age_group_max: 4 });
    expect([...ckpt.stateDict.keys()]).toEqual([
      'encoder.0.weight',
      'encoder.0.bias',
      'decoder.0.weight',
      'decoder.0.bias',
    ]);
  });

  it('reads nn.Parameter-wrapped tensors (_rebuild_parameter), zip64 and deflated archives', () => {
    expect(readCheckpoint(fx('parameters-keep-vars.pth')).stateDict.get('encoder.0.weight')!.shape).toEqual([8, 16]);
    const a = readCheckpoint(fx('ae-32-16.pth'));
    for (const f of ['zip64.pth', 'deflated.pth']) {
      const b = readCheckpoint(fx(f));
      expect([...b.stateDict.keys()]).toEqual([...a.stateDict.keys()]);
      for (const [k, t] of a.stateDict) expect(b.stateDict.get(k)!.bytes).toEqual(t.bytes);
    }
  });

  it('gathers non-contiguous tensors (transpose, column, strided slice) into C order', () => {
    const ckpt = readCheckpoint(fx('malicious/non-contiguous.pth'));
    const want = json('malicious/non-contiguous.expected.json');
    for (const [k, w] of Object.entries(want) as [string, { shape: number[]; f32le_b64: string }][]) {
      const t = ckpt.stateDict.get(k)!;
      expect(t.shape, k).toEqual(w.shape);
      expect(toFloat32Array(t), k).toEqual(f32(w.f32le_b64));
    }
  });
});

describe('readCheckpoint: refusals', () => {
  it('legacy format → legacy_torch_format with the re-save hint', () => {
    const e = err(() => readCheckpoint(fx('legacy.pth')));
    expect(e.code).toBe('legacy_torch_format');
    expect(e.message).toContain('re-save with torch.save(..., _use_new_zipfile_serialization=True)');
  });

  it.each([
    ['torch-os-system.pth', 'posix.system'],
    // torch.save pickles with protocol 2 + fix_imports, so Python 2 names appear in the file
    ['torch-builtins-eval.pth', '__builtin__.eval'],
    ['torch-subprocess-popen.pth', 'commands.Popen'],
    ['torch-importlib-import-module.pth', 'importlib.import_module'],
  ])('%s → unsafe_pickle_global (%s)', (f, g) => {
    const e = err(() => readCheckpoint(fx(`malicious/${f}`)));
    expect(e.code).toBe('unsafe_pickle_global');
    expect(e.message).toBe(`refused pickle global ${g}`);
  });

  it.each([
    ['torch-trailing-after-stop.pth', 'pickle_malformed'],
    ['zip-slip-dotdot.zip', 'zip_slip'],
    ['zip-slip-absolute.zip', 'zip_slip'],
    ['zip-slip-nul.zip', 'zip_slip'],
    ['zip-duplicate.zip', 'zip_duplicate_entry'],
    ['zip-header-mismatch-name.zip', 'zip_header_mismatch'],
    ['zip-crc-mismatch.zip', 'zip_crc_mismatch'],
    ['zip-bomb-lying-size.zip', 'zip_bomb'],
    ['storage-size-mismatch.pth', 'storage_size_mismatch'],
    ['missing-storage.pth', 'storage_missing'],
    ['tensor-out-of-bounds.pth', 'tensor_out_of_bounds'],
    ['tensor-huge-stride0.pth', 'tensor_too_large'],
    ['big-endian.pth', 'unsupported_byteorder'],
    ['torchscript.pt', 'not_a_checkpoint'],
    ['os-system.p2.pkl', 'not_a_checkpoint'],
  ])('%s → %s', (f, code) => {
    expect(err(() => readCheckpoint(fx(`malicious/${f}`))).code).toBe(code);
  });

  it('zip bomb with a 10 MB cap → zip_bomb', () => {
    expect(err(() => readCheckpoint(fx('malicious/zip-bomb.zip'), { maxInflatedBytes: 10 * 1024 * 1024 })).code).toBe(
      'zip_bomb',
    );
  });

  // What the file can honestly hold bounds the work: each refused in milliseconds, nothing gathered.
  const hostile = hostileCheckpoints();
  it.each(hostile.map((c) => [c.name, c.code, c.bytes] as const))('%s → %s, fast', (_name, code, bytes) => {
    const t0 = performance.now();
    const e = err(() => readCheckpoint(bytes, { maxInflatedBytes: 512 * 1024 * 1024 }));
    expect(e.code).toBe(code);
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('the hostile inputs are what they claim: tiny files asking for gigabytes', () => {
    const byName = new Map(hostile.map((c) => [c.name, c.bytes]));
    expect(byName.get('stride0-gather-2gib.pth')!.length).toBeLessThan(1024);
    expect(err(() => readCheckpoint(byName.get('stride0-gather-2gib.pth')!)).message).toContain(
      'needs 2147483648 bytes but its storage holds 4',
    );
    const bomb = byName.get('zip-bomb-1.9gib.pth')!;
    expect(bomb.length).toBeLessThan(2.5 * 1024 * 1024);
    expect(err(() => readCheckpoint(bomb)).message).toContain(`declares ${ZIP_BOMB_INFLATED_BYTES} bytes`);
    // A legitimate non-contiguous checkpoint still reads (each view needs at most its storage).
    expect(readCheckpoint(fx('malicious/non-contiguous.pth')).stateDict.size).toBeGreaterThan(0);
  });

  it('not a checkpoint: random bytes, a plain pickle, a dict of non-tensors', () => {
    expect(err(() => readCheckpoint(new TextEncoder().encode('hello world'))).code).toBe('not_a_checkpoint');
    expect(err(() => readCheckpoint(fx('plain-values.p2.pkl'))).code).toBe('not_a_checkpoint');
    expect(err(() => readCheckpoint(new Uint8Array(0))).code).toBe('not_a_checkpoint');
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { readSafetensors, writeAutoencoderSafetensors, writeSafetensors } from './safetensors';
import { autoencoderStateDict } from './autoencoder-tensors';
import { ModelValidationError } from './errors';
import type { StateDict } from './types';
import { randomAutoencoder, sameBytes } from './test-support/autoencoders';
import { maliciousSafetensors, rawSafetensors } from './test-support/malicious';
import { pythonMissing, runPython, warnSkip, withTempDir } from './test-support/python';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const ae = randomAutoencoder(832, [512, 256, 128, 64], 11);

const mixed: StateDict = new Map([
  ['10', { dtype: 'float16' as const, shape: [3], bytes: Uint8Array.from([1, 2, 3, 4, 5, 6]) }],
  ['2', { dtype: 'bool' as const, shape: [1, 1], bytes: Uint8Array.from([1]) }],
  ['a.b', { dtype: 'bfloat16' as const, shape: [0], bytes: new Uint8Array(0) }],
  ['ünï "quoted"', { dtype: 'int64' as const, shape: [], bytes: new Uint8Array(8).fill(255) }],
  ['__proto__', { dtype: 'float64' as const, shape: [1], bytes: new Uint8Array(new Float64Array([1.5]).buffer) }],
  ['u8', { dtype: 'uint8' as const, shape: [2], bytes: Uint8Array.from([9, 8]) }],
  ['i32', { dtype: 'int32' as const, shape: [1], bytes: Uint8Array.from([1, 0, 0, 0]) }],
]);

describe('safetensors', () => {
  it('round-trips an autoencoder: exact bytes, order, metadata with the architecture', () => {
    const bytes = writeAutoencoderSafetensors(ae, { model_id: 'x', architecture_hash: 'abc' });
    const { tensors, metadata } = readSafetensors(bytes);
    const sd = autoencoderStateDict(ae);
    expect([...tensors.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of sd) {
      const r = tensors.get(k)!;
      expect([r.dtype, r.shape]).toEqual([t.dtype, t.shape]);
      expect(sameBytes(r.bytes, t.bytes)).toBe(true);
    }
    expect(metadata).toEqual({
      format: 'pt',
      model_architecture: '{"input_dim":832,"hidden_dims":[512,256,128,64],"model_type":"autoencoder"}',
      model_id: 'x',
      architecture_hash: 'abc',
    });
    // Data starts 8-byte aligned; the header is padded with spaces.
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
  });

  it('round-trips every dtype, odd names (integer-like, __proto__, unicode), scalars and empty tensors', () => {
    const { tensors, metadata } = readSafetensors(writeSafetensors(mixed, { __proto__x: 'y' }));
    expect([...tensors.keys()]).toEqual([...mixed.keys()]);
    for (const [k, t] of mixed) expect(tensors.get(k)).toEqual(t);
    expect(metadata).toEqual({ __proto__x: 'y' });
    expect(readSafetensors(writeSafetensors(new Map(), {}))).toEqual({ tensors: new Map(), metadata: {} });
  });

  it('accepts any header order and trailing-space padding; returns tensors in data order', () => {
    const bytes = rawSafetensors(
      '{"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]},"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}     ',
      6,
    );
    const r = readSafetensors(bytes);
    expect([...r.tensors.keys()]).toEqual(['a', 'b']);
    expect(r.metadata).toEqual({ k: 'v' });
  });

  it('rejects the malformed corpus with the right codes', () => {
    for (const c of maliciousSafetensors()) {
      let code: string | undefined;
      try {
        readSafetensors(c.bytes);
      } catch (e) {
        expect(e, c.name).toBeInstanceOf(ModelValidationError);
        code = (e as ModelValidationError).code;
      }
      expect(code, c.name).toBe(c.code);
    }
  });

  it('honours maxHeaderSize and reports offset problems precisely', () => {
    const ok = writeSafetensors(mixed, {});
    expect(() => readSafetensors(ok, { maxHeaderSize: 16 })).toThrow(
      expect.objectContaining({ code: 'safetensors_header_too_large' }),
    );
    const reasons = maliciousSafetensors()
      .filter((c) => c.code === 'safetensors_bad_offsets')
      .map((c) => {
        try {
          readSafetensors(c.bytes);
        } catch (e) {
          return [c.name, (e as ModelValidationError).details.reason];
        }
        return [c.name, null];
      });
    expect(Object.fromEntries(reasons)).toEqual({
      'st-offsets-reversed.safetensors': 'order',
      'st-offsets-not-zero.safetensors': 'start',
      'st-offsets-overlap.safetensors': 'overlap',
      'st-offsets-gap.safetensors': 'gap',
      'st-offsets-out-of-file.safetensors': 'out_of_file',
      'st-offsets-trailing-data.safetensors': 'end',
      'st-offsets-negative.safetensors': 'syntax',
      'st-offsets-huge.safetensors': 'syntax',
    });
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() =>
      writeSafetensors(new Map([['a', { dtype: 'float32', shape: [2], bytes: new Uint8Array(4) }]]), {}),
    ).toThrow(expect.objectContaining({ code: 'export_bad_tensor' }));
    expect(() =>
      writeSafetensors(new Map([['__metadata__', { dtype: 'uint8', shape: [0], bytes: new Uint8Array(0) }]]), {}),
    ).toThrow();
  });

  const missing = pythonMissing(['json']);
  warnSkip('safetensors python interop', missing);
  it.skipIf(missing !== null)('a hand-written Python reader agrees, and we read what Python writes', () => {
    withTempDir((dir) => {
      const p = path.join(dir, 'm.safetensors');
      const q = path.join(dir, 'py.safetensors');
      writeFileSync(p, writeAutoencoderSafetensors(ae, { model_id: 'x' }));
      const out = runPython<{
        meta: Record<string, string>;
        t: Record<string, { dtype: string; shape: number[]; sha: string }>;
      }>(
        String.raw`
import hashlib, json, struct, sys
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
header = json.loads(raw[8:8 + n].decode('utf-8'))
data = raw[8 + n:]
meta = header.pop('__metadata__', {})
out, cursor = {}, 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets'][0]):
    b, e = info['data_offsets']
    assert b == cursor and e >= b, (name, b, e, cursor)
    n_el = 1
    for d in info['shape']: n_el *= d
    assert n_el * {'F32': 4}[info['dtype']] == e - b
    out[name] = {'dtype': info['dtype'], 'shape': info['shape'], 'sha': hashlib.sha256(data[b:e]).hexdigest()}
    cursor = e
assert cursor == len(data)
# Write one back the way the Rust library does: __metadata__ first, sorted keys, padded to 8.
tensors = {k: header[k] for k in header}
hdr = {'__metadata__': {'from': 'python'}}
off, blobs = 0, []
for name in sorted(tensors):
    b, e = tensors[name]['data_offsets']
    hdr[name] = {'dtype': 'F32', 'shape': tensors[name]['shape'], 'data_offsets': [off, off + e - b]}
    blobs.append(data[b:e]); off += e - b
h = json.dumps(hdr, separators=(',', ':')).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
open(sys.argv[2], 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
print(json.dumps({'meta': meta, 't': out}))`,
        [p, q],
      );
      expect(out.meta.model_id).toBe('x');
      expect(JSON.parse(out.meta.model_architecture)).toEqual({
        input_dim: 832,
        hidden_dims: [512, 256, 128, 64],
        model_type: 'autoencoder',
      });
      const sd = autoencoderStateDict(ae);
      expect(Object.keys(out.t)).toEqual([...sd.keys()]);
      for (const [k, t] of sd) expect(out.t[k]).toEqual({ dtype: 'F32', shape: t.shape, sha: sha(t.bytes) });
      const back = readSafetensors(new Uint8Array(readFileSync(q)));
      expect(back.metadata).toEqual({ from: 'python' });
      for (const [k, t] of sd) expect(sameBytes(back.tensors.get(k)!.bytes, t.bytes)).toBe(true);
    });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import {
  DRAWBRIDGE_PICKLE_FORMAT,
  readDrawbridgePickle,
  readPlainPickle,
  writeDrawbridgePickle,
} from './drawbridge-pickle';
import { autoencoderStateDict } from './autoencoder-tensors';
import { tuple, writePickle, type PickleValue } from './pickle-write';
import { ModelValidationError } from './errors';
import { randomAutoencoder, sameBytes } from './test-support/autoencoders';
import { pythonMissing, runPython, warnSkip, withTempDir } from './test-support/python';
import { codeOf } from './test-support/helpers';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const ae = randomAutoencoder(832, [512, 256, 128, 64], 5);
const metadata = { model_id: 'abc', final_loss: 0.0123, epochs: 40, flag: false, none: null, big: 2 ** 40 };

const code = (fn: () => unknown) => codeOf(fn, ModelValidationError);

const bin = (...parts: (number[] | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

describe('drawbridge-pickle-v1', () => {
  const bytes = writeDrawbridgePickle(ae, metadata);

  it('round-trips: exact weight bytes, architecture, metadata (floats kept)', () => {
    const ck = readDrawbridgePickle(bytes);
    const sd = autoencoderStateDict(ae);
    expect([...ck.stateDict.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of sd) {
      const r = ck.stateDict.get(k)!;
      expect([r.dtype, r.shape]).toEqual([t.dtype, t.shape]);
      expect(sameBytes(r.bytes, t.bytes)).toBe(true);
    }
    expect({ ...ck.modelArchitecture }).toEqual({
      input_dim: 832,
      hidden_dims: [512, 256, 128, 64],
      model_type: 'autoencoder',
    });
    expect({ ...ck.metadata }).toEqual(metadata);
    expect(ck.layout).toBe('original');
  });

  it('contains no opcode that can import or call anything', () => {
    // The strict reader refuses GLOBAL/REDUCE/BUILD/…; reading at all proves their absence.
    expect(() => readPlainPickle(bytes)).not.toThrow();
  });

  it('refuses code-executing and malformed pickles with stable codes', () => {
    const cases: [string, Uint8Array, string][] = [
      [
        'GLOBAL os.system',
        bin([0x80, 2], 'cos\nsystem\n', 'X', [2, 0, 0, 0], 'ls', [0x85], 'R.'),
        'pickle_forbidden_opcode',
      ],
      ['STACK_GLOBAL', bin([0x80, 4, 0x8c, 2], 'os', [0x8c, 6], 'system', [0x93], '.'), 'pickle_forbidden_opcode'],
      ['INST', bin([0x80, 2], '(ios\nsystem\n.'), 'pickle_forbidden_opcode'],
      ['BINPERSID', bin([0x80, 2, 0x4b, 1, 0x51], '.'), 'pickle_forbidden_opcode'],
      ['BUILD', bin([0x80, 2, 0x7d, 0x7d, 0x62], '.'), 'pickle_forbidden_opcode'],
      ['EXT1', bin([0x80, 2, 0x82, 1], '.'), 'pickle_forbidden_opcode'],
      ['protocol 0 text', bin('(lp0\n.'), 'pickle_malformed'],
      ['truncated', bytes.subarray(0, bytes.length - 10), 'pickle_malformed'],
      ['trailing bytes', Buffer.concat([bytes, bin([0x4e])]), 'pickle_malformed'],
      ['stack underflow', bin([0x80, 4, 0x73], '.'), 'pickle_malformed'],
      ['SETITEM on list', bin([0x80, 4, 0x5d, 0x4b, 1, 0x4b, 2, 0x73], '.'), 'pickle_malformed'],
      ['APPEND on tuple', bin([0x80, 4, 0x29, 0x4b, 1, 0x61], '.'), 'pickle_malformed'],
      ['memo miss', bin([0x80, 4, 0x68, 9], '.'), 'pickle_malformed'],
      ['bad UTF-8', bin([0x80, 4, 0x8c, 1, 0xff], '.'), 'pickle_malformed'],
      ['int key', writePickle(new Map<PickleValue, PickleValue>([[1, 2]]), { protocol: 4 }), 'pickle_bad_key'],
    ];
    for (const [name, b, expected] of cases)
      expect(
        code(() => readDrawbridgePickle(b)),
        name,
      ).toBe(expected);
  });

  it('plain reader: reads TUPLE (tuples of 4+) and shares memoised values without re-walking them', () => {
    const t = readPlainPickle(writePickle({ t: tuple(1, 2, 3, 4) }, { protocol: 4 })) as Record<string, unknown>;
    expect(t.t).toEqual([1, 2, 3, 4]);
    // l0 = []; l(i) = [l(i-1), l(i-1)]: 2^30 paths through 31 shared lists (a walk per path would hang).
    const ops = [0x80, 4, 0x5d, 0x71, 0, 0x30];
    for (let i = 1; i < 31; i++) ops.push(0x5d, 0x28, 0x68, i - 1, 0x68, i - 1, 0x65, 0x71, i, 0x30);
    const dag = readPlainPickle(Uint8Array.from([...ops, 0x68, 30, 0x2e])) as unknown[];
    expect(dag[0]).toBe(dag[1]);
    expect(code(() => readPlainPickle(Uint8Array.from([...ops, 0x68, 30, 0x2e]), { maxDepth: 10 }))).toBe(
      'pickle_too_deep',
    );
  });

  it('refuses well-formed pickles that are not drawbridge-pickle-v1', () => {
    const tensorOk = { dtype: 'float32', shape: [2], data: new Uint8Array(8) };
    const doc = (sd: PickleValue, extra: Record<string, PickleValue> = {}): Uint8Array =>
      writePickle(
        { format: DRAWBRIDGE_PICKLE_FORMAT, model_state_dict: sd, model_architecture: {}, metadata: {}, ...extra },
        { protocol: 4 },
      );
    expect(code(() => readDrawbridgePickle(writePickle([1], { protocol: 4 })))).toBe('drawbridge_pickle_bad_format');
    expect(code(() => readDrawbridgePickle(doc({}, { format: 'other' })))).toBe('drawbridge_pickle_bad_format');
    expect(code(() => readDrawbridgePickle(doc([])))).toBe('drawbridge_pickle_bad_format');
    expect(code(() => readDrawbridgePickle(doc({ w: tensorOk })))).toBeUndefined();
    const bad: PickleValue[] = [
      { ...tensorOk, dtype: 'complex64' },
      { ...tensorOk, shape: [3] },
      { ...tensorOk, shape: [-2] },
      { ...tensorOk, data: 'x' },
      { ...tensorOk, extra: 1 },
      [1, 2],
    ];
    for (const t of bad) expect(code(() => readDrawbridgePickle(doc({ w: t })))).toBe('drawbridge_pickle_bad_tensor');
  });

  const missing = pythonMissing(['pickle']);
  warnSkip('drawbridge pickle python interop', missing);
  describe.skipIf(missing !== null)('with CPython', () => {
    type Out = {
      format: string;
      sha: Record<string, string>;
      shapes: Record<string, number[]>;
      dtypes: string[];
      arch: unknown;
      metadata: unknown;
      refused: string;
    };
    let out: Out;
    let pythonWritten: Uint8Array[];
    beforeAll(() => {
      withTempDir((dir) => {
        const p = path.join(dir, 'model.pkl');
        writeFileSync(p, bytes);
        out = runPython<Out>(
          String.raw`
import hashlib, io, json, pickle, sys
class Refuse(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f'global {module}.{name} refused')
p, d = sys.argv[1], sys.argv[2]
obj = Refuse(open(p, 'rb')).load()
sd = obj['model_state_dict']
for proto in (4, 5):
    open(f'{d}/py{proto}.pkl', 'wb').write(pickle.dumps(obj, protocol=proto))
try:
    Refuse(io.BytesIO(pickle.dumps(print))).load(); refused = 'no'
except pickle.UnpicklingError as e:
    refused = str(e)
print(json.dumps({'format': obj['format'], 'sha': {k: hashlib.sha256(v['data']).hexdigest() for k, v in sd.items()},
  'shapes': {k: v['shape'] for k, v in sd.items()}, 'dtypes': sorted({v['dtype'] for v in sd.values()}),
  'arch': obj['model_architecture'], 'metadata': obj['metadata'], 'refused': refused}))`,
          [p, dir],
        );
        pythonWritten = [4, 5].map((x) => new Uint8Array(readFileSync(path.join(dir, `py${x}.pkl`))));
      });
    });

    it('loads with a find_class that refuses every global, reproducing the weights', () => {
      expect(out.refused).toContain('refused');
      expect(out.format).toBe(DRAWBRIDGE_PICKLE_FORMAT);
      expect(out.dtypes).toEqual(['float32']);
      for (const [k, t] of autoencoderStateDict(ae)) {
        expect(out.sha[k], k).toBe(sha(t.bytes));
        expect(out.shapes[k]).toEqual(t.shape);
      }
      expect(out.arch).toEqual({ input_dim: 832, hidden_dims: [512, 256, 128, 64], model_type: 'autoencoder' });
      expect(out.metadata).toEqual(metadata);
    });

    it('reads what CPython’s own pickler writes (protocol 4 and 5: FRAME, MEMOIZE)', () => {
      for (const b of pythonWritten) {
        const ck = readDrawbridgePickle(b);
        for (const [k, t] of autoencoderStateDict(ae))
          expect(sameBytes(ck.stateDict.get(k)!.bytes, t.bytes)).toBe(true);
        expect({ ...ck.metadata }).toEqual(metadata);
      }
    });
  });
});

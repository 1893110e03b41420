import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  orderedDict,
  PyDict,
  PyFloat,
  pyFloat,
  PyPersistentId,
  pyGlobal,
  PyReduce,
  PyTuple,
  tuple,
  writePickle,
  type PickleValue,
} from './pickle-write';
import { readPlainPickle } from './drawbridge-pickle';
import { ModelExportError } from './errors';
import { pythonMissing, runPython, warnSkip, withTempDir } from './test-support/python';

const plain: PickleValue = {
  none: null,
  t: true,
  f: false,
  ints: [
    0,
    1,
    255,
    256,
    65535,
    65536,
    -1,
    -129,
    2147483647,
    -2147483648,
    2147483648,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
  ],
  big: [2n ** 64n, -(2n ** 70n), 255n, -256n, 128n, -128n],
  floats: [0.5, -1.25e-300, 1e300, pyFloat(3), -0],
  str: ['', 'ascii', 'ünïcödé ✓ 𝄞', 'x'.repeat(300)],
  tuple: tuple(1, tuple(), tuple(1, 2), tuple(1, 2, 3), tuple(1, 2, 3, 4, 5)),
  nested: { a: { b: { c: [1, [2, [3]]] } } },
  repeated: ['same', 'same', 'same'],
  intKeys: new PyDict([
    [1, 'one'],
    [tuple(1, 2), 'pair'],
  ]),
  many: Array.from({ length: 2500 }, (_, i) => i),
};

// Python side: turn the unpickled value into JSON with explicit tags.
const PY_JSONIFY = String.raw`
import json, pickle, pickletools, sys
def j(v):
    if isinstance(v, bool) or v is None: return v
    if isinstance(v, int): return {'int': str(v)}
    if isinstance(v, float): return {'float': repr(v)}
    if isinstance(v, str): return v
    if isinstance(v, bytes): return {'bytes': v.hex()}
    if isinstance(v, tuple): return {'tuple': [j(x) for x in v]}
    if isinstance(v, list): return [j(x) for x in v]
    if isinstance(v, dict): return {'dict': [[j(k), j(x)] for k, x in v.items()]}
    return {'other': type(v).__name__}
class Refuse(pickle.Unpickler):
    def find_class(self, m, n): raise pickle.UnpicklingError('refused')
out = {}
for p in sys.argv[1:]:
    data = open(p, 'rb').read()
    ops = sorted({op.name for op, _, _ in pickletools.genops(data)})
    out[p.rsplit('/', 1)[-1]] = {'value': j(Refuse(__import__('io').BytesIO(data)).load()), 'ops': ops}
print(json.dumps(out))
`;

function expectedJson(v: PickleValue): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number')
    return Number.isSafeInteger(v) && !Object.is(v, -0) ? { int: String(v) } : { float: pyRepr(v) };
  if (typeof v === 'bigint') return { int: v.toString() };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return v.map(expectedJson);
  if (v instanceof PyFloat) return { float: pyRepr(v.value) };
  if (v instanceof PyTuple) return { tuple: v.items.map(expectedJson) };
  if (v instanceof PyDict) return { dict: v.entries.map(([k, x]) => [expectedJson(k), expectedJson(x)]) };
  return { dict: Object.entries(v as Record<string, PickleValue>).map(([k, x]) => [k, expectedJson(x)]) };
}
function pyRepr(x: number): string {
  if (Object.is(x, -0)) return '-0.0';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const s = String(x);
  return s.replace(/e\+?(-?)(\d)$/, 'e$10$2').replace(/e\+/, 'e+');
}

describe('writePickle', () => {
  it('refuses what it cannot represent', () => {
    expect(() => writePickle(new Uint8Array(3), { protocol: 2 })).toThrow(ModelExportError);
    expect(() => writePickle((() => 1) as unknown as PickleValue)).toThrow(/cannot pickle/);
    expect(() => writePickle(new Date() as unknown as PickleValue)).toThrow(/cannot pickle/);
    let deep: PickleValue = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => writePickle(deep)).toThrow(/too deep/);
    try {
      writePickle(new Uint8Array(1), { protocol: 2 });
    } catch (e) {
      expect((e as ModelExportError).code).toBe('pickle_unsupported_value');
    }
  });

  it('protocol 4 plain data round-trips through the strict reader', () => {
    const bytes = writePickle(
      { a: [1, 'x', new Uint8Array([1, 2, 300 & 0xff])], b: tuple(true, null, 2.5), c: 2n ** 80n },
      { protocol: 4 },
    );
    const v = readPlainPickle(bytes) as Record<string, unknown>;
    expect(v.a).toEqual([1, 'x', new Uint8Array([1, 2, 44])]);
    expect(v.b).toEqual([true, null, 2.5]);
    expect(v.c).toBe(2n ** 80n);
  });

  it('emits torch-style OrderedDict / REDUCE / BINPERSID structures', () => {
    const v = orderedDict([['k', new PyReduce(pyGlobal('m', 'f'), tuple(new PyPersistentId(tuple('storage', 1)), 0))]]);
    const bytes = writePickle(v);
    const text = Buffer.from(bytes).toString('latin1');
    expect(text).toContain('ccollections\nOrderedDict\n');
    expect(text).toContain('cm\nf\n');
    expect(bytes[bytes.length - 1]).toBe(0x2e);
    expect(() => readPlainPickle(bytes)).toThrow(/GLOBAL is not allowed/);
  });

  const missing = pythonMissing(['pickletools']);
  warnSkip('pickle python interop', missing);
  it.skipIf(missing !== null)('CPython unpickles protocol 2, 3 and 4 output identically (no globals needed)', () => {
    withTempDir((dir) => {
      const files = ([2, 3, 4] as const).map((p) => {
        const value =
          p === 2
            ? plain
            : {
                ...(plain as object),
                bytes: [new Uint8Array(0), new Uint8Array([0, 255]), new Uint8Array(70000).fill(7)],
              };
        const f = path.join(dir, `p${p}.pkl`);
        writeFileSync(f, writePickle(value as PickleValue, { protocol: p }));
        return { f, value };
      });
      const out = runPython<Record<string, { value: unknown; ops: string[] }>>(
        PY_JSONIFY,
        files.map((x) => x.f),
      );
      for (const [i, p] of [2, 3, 4].entries()) {
        expect(out[`p${p}.pkl`].value).toEqual(expectedJson(files[i].value as PickleValue));
      }
      // Protocol 2 without floats/bytes uses only opcodes torch 1.13's weights_only unpickler knows.
      const allowed = new Set([
        'PROTO',
        'STOP',
        'MARK',
        'NONE',
        'NEWTRUE',
        'NEWFALSE',
        'BININT',
        'BININT1',
        'BININT2',
        'LONG1',
        'BINUNICODE',
        'EMPTY_DICT',
        'EMPTY_LIST',
        'EMPTY_TUPLE',
        'TUPLE',
        'TUPLE1',
        'TUPLE2',
        'TUPLE3',
        'SETITEMS',
        'APPENDS',
        'BINPUT',
        'LONG_BINPUT',
        'BINGET',
        'LONG_BINGET',
        'BINFLOAT',
      ]);
      for (const op of out['p2.pkl'].ops) expect(allowed.has(op), op).toBe(true);
    });
  });
});

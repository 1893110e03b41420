import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelValidationError } from './errors';
import { PyDict, PyTuple, toPlain, unpickle, unpickleToPlain } from './pickle-read';
import { bytesOf } from './test-support/bytes';
import { expectNoPwnedMarkers, fixture as fx, thrown } from './test-support/helpers';

const bin = bytesOf;
const X = (s: string) => {
  const b = new TextEncoder().encode(s);
  return bin([0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0], b);
};

const err = (fn: () => unknown) => thrown(ModelValidationError, fn);

expectNoPwnedMarkers();

describe('pickle reader: plain values, protocols 0–5 (pickled by CPython)', () => {
  const expected = {
    str: 'héllo ☃ \\ back\nslash\r\x1a\x00',
    empty: '',
    ints: [
      0,
      1,
      -1,
      255,
      256,
      65535,
      65536,
      -(2 ** 31),
      2 ** 31 - 1,
      2 ** 31,
      2 ** 53 - 1,
      2n ** 53n,
      -(2n ** 63n),
      2n ** 64n + 1n,
      10n ** 30n,
    ],
    floats: [0, -0.5, 1e100, 3.14159, Infinity, -Infinity, NaN],
    bools: [true, false],
    none: null,
    tuple: [1, 'a', [2]],
    empty_tuple: [],
    bytes: new Uint8Array([0, 1, 0xfe, 0x5c, 0x0a]),
    empty_bytes: new Uint8Array(0),
    bytearray: new Uint8Array([0x61, 0x62, 0, 0xff]),
    od: { z: 1, a: 2 },
    intkeys: { 1: 'one', 2: 'two' },
    shared1: [1, 2],
    shared2: [1, 2],
    nested: { x: { y: [[], {}] } },
  };
  for (const proto of [0, 1, 2, 3, 4, 5]) {
    it(`protocol ${proto}`, () => {
      const v = unpickle(fx(`plain-values.p${proto}.pkl`));
      expect(v).toBeInstanceOf(PyDict);
      const d = v as PyDict;
      expect(d.map.get('shared1')).toBe(d.map.get('shared2')); // memo keeps identity
      expect((d.map.get('tuple') as PyTuple).items[2]).toBeInstanceOf(PyTuple);
      expect([...(d.map.get('od') as PyDict).map.keys()]).toEqual(['z', 'a']);
      expect((d.map.get('od') as PyDict).ordered).toBe(true);
      expect(toPlain(v)).toEqual(expected);
    });
  }
});

describe('pickle reader: refusals', () => {
  const malicious: [string, string][] = [
    ['os-system', 'os.system'],
    ['builtins-eval', 'builtins.eval'],
    ['importlib-import-module', 'importlib.import_module'],
    ['subprocess-popen', 'subprocess.Popen'],
  ];
  for (const [file, global] of malicious) {
    for (const proto of ['p2', 'p4']) {
      it(`${file}.${proto}.pkl → unsafe_pickle_global naming ${global}`, () => {
        const e = err(() => unpickle(fx(`malicious/${file}.${proto}.pkl`)));
        expect(e.code).toBe('unsafe_pickle_global');
        expect(e.message).toBe(`refused pickle global ${global}`);
        expect(existsSync(`/tmp/drawbridge-pwned-${file}.${proto}`)).toBe(false);
      });
    }
  }

  it('bytes after STOP (a second, malicious pickle) → pickle_malformed', () => {
    const e = err(() => unpickle(fx('malicious/trailing-after-stop.pkl')));
    expect(e.code).toBe('pickle_malformed');
    expect(e.message).toMatch(/after STOP/);
  });
  it('truncated stream and a broken opcode after valid data → pickle_malformed', () => {
    expect(err(() => unpickle(fx('malicious/truncated.pkl'))).code).toBe('pickle_malformed');
    expect(err(() => unpickle(fx('malicious/broken-after-data.pkl'))).code).toBe('pickle_malformed');
    expect(err(() => unpickle(new Uint8Array(0))).code).toBe('pickle_malformed');
  });

  const P2 = [0x80, 0x02];
  const cases: [string, Uint8Array, string, RegExp?][] = [
    ['EXT1', bin(P2, [0x82, 1], '.'), 'pickle_malformed', /EXT/],
    ['EXT2', bin(P2, [0x83, 1, 0], '.'), 'pickle_malformed'],
    ['text PERSID', bin(P2, 'P1\n.'), 'pickle_malformed', /persistent/],
    [
      'BINPERSID, not a torch storage',
      bin(P2, X('storage'), [0x85, 0x51], '.'),
      'pickle_malformed',
      /storage reference/,
    ],
    [
      'BINPERSID without storages',
      bin(P2, '(', X('storage'), 'ctorch\nFloatStorage\n', X('0'), X('cpu'), 'K\x01t', [0x51], '.'),
      'pickle_malformed',
      /persistent ids are not allowed/,
    ],
    ['set', bin(P2, [0x8f], '.'), 'pickle_malformed', /sets/],
    ['out-of-band buffer', bin([0x80, 5, 0x97], '.'), 'pickle_malformed'],
    ['protocol 6', bin([0x80, 6], 'N.'), 'pickle_malformed', /protocol/],
    ['unknown opcode', bin(P2, [0xfe], '.'), 'pickle_malformed', /unknown opcode/],
    ['two values at STOP', bin(P2, 'NN.'), 'pickle_malformed'],
    ['open MARK at STOP', bin(P2, '(N.'), 'pickle_malformed'],
    ['memo miss', bin(P2, [0x68, 3], '.'), 'pickle_malformed', /memo/],
    ['INST', bin(P2, 'ios\nsystem\n.'), 'unsafe_pickle_global', /os\.system/],
    [
      'NEWOBJ of an allowed global',
      bin(P2, 'ccollections\nOrderedDict\n)', [0x81], '.'),
      'unsafe_pickle_global',
      /NEWOBJ of collections\.OrderedDict/,
    ],
    ['OBJ', bin(P2, '(ccollections\nOrderedDict\no.'), 'unsafe_pickle_global'],
    [
      'GLOBAL posix.system',
      bin(P2, 'cposix\nsystem\n.'),
      'unsafe_pickle_global',
      /^refused pickle global posix\.system$/,
    ],
    ['GLOBAL torch.load', bin(P2, 'ctorch\nload\n.'), 'unsafe_pickle_global'],
    [
      'GLOBAL torch._utils._rebuild_device_tensor_from_numpy',
      bin(P2, 'ctorch._utils\n_rebuild_device_tensor_from_numpy\n.'),
      'unsafe_pickle_global',
    ],
    [
      'STACK_GLOBAL builtins.getattr',
      bin([0x80, 4], X('builtins'), X('getattr'), [0x93], '.'),
      'unsafe_pickle_global',
      /builtins\.getattr/,
    ],
    ['allowed global as a value', bin(P2, 'ctorch\nFloatStorage\n.'), 'pickle_malformed', /left in the data/],
    ['calling a storage type', bin(P2, 'ctorch\nFloatStorage\n)R.'), 'pickle_malformed'],
    ['OrderedDict with junk args', bin(P2, 'ccollections\nOrderedDict\nK\x05', [0x85], 'R.'), 'pickle_malformed'],
    [
      'BUILD setting an attribute',
      bin(P2, 'ccollections\nOrderedDict\n)R}', X('__class__'), 'Ns', 'b.'),
      'pickle_malformed',
      /BUILD/,
    ],
    ['BUILD on a plain dict', bin(P2, '}}b.'), 'pickle_malformed', /BUILD/],
    ['cycle', bin(P2, ']q\x00h\x00a.'), 'pickle_malformed', /cyclic/],
    [
      'int and str key with the same text',
      bin(P2, '}K\x01N', 's', X('1'), 'Ns.'),
      'pickle_malformed',
      /both int and str/,
    ],
    ['float dict key', bin(P2, '}G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], 'Ns.'), 'pickle_malformed', /dict key/],
    ['APPEND to a dict', bin(P2, '}Na.'), 'pickle_malformed'],
    ['string length past the end', bin(P2, [0x58, 0xff, 0xff, 0, 0], 'abc.'), 'pickle_malformed', /end of data/],
    ['bytes after STOP (one byte)', bin(P2, 'N.', [0]), 'pickle_malformed'],
  ];
  for (const [name, bytes, code, re] of cases) {
    it(`${name} → ${code}`, () => {
      const e = err(() => unpickle(bytes));
      expect(e.code).toBe(code);
      if (re) expect(e.message).toMatch(re);
    });
  }

  it('refuses absurd nesting without overflowing the stack', () => {
    const depth = 100_000;
    const bytes = bin(P2, new Array(depth).fill(0x5d), new Array(depth - 1).fill(0x61), '.');
    expect(err(() => unpickle(bytes)).code).toBe('pickle_malformed');
  });

  it('treats "__proto__" as an ordinary key', () => {
    const v = unpickleToPlain(bin(P2, '}', X('__proto__'), 'K\x07s.')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(v['__proto__']).toBe(7);
  });
});

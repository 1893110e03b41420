/**
 * fast-check generators of pickle streams: opcode tokens with well-formed (or deliberately wrong)
 * arguments, so most cases get past the first byte and into the interpreter's deeper paths
 * (containers, memo, globals, REDUCE of torch rebuilders over persistent ids, deep nesting, cycles).
 */
import fc from 'fast-check';
import { utf8 } from '../bytes-write';
import { PyTuple, pyFloat, type PickleValue } from '../pickle-write';
import { bytesOf } from './bytes';

const cat = (parts: readonly (Uint8Array | number[] | string)[]): Uint8Array => bytesOf(...parts);
const le = (v: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.floor(v / 2 ** (8 * i)) & 0xff);

const GLOBALS: [string, string][] = [
  ['collections', 'OrderedDict'],
  ['torch._utils', '_rebuild_tensor_v2'],
  ['torch._utils', '_rebuild_tensor'],
  ['torch._utils', '_rebuild_parameter'],
  ['torch._utils', '_rebuild_parameter_with_state'],
  ['torch', 'FloatStorage'],
  ['torch', 'HalfStorage'],
  ['torch', 'LongStorage'],
  ['torch', 'BoolStorage'],
  ['builtins', 'bytes'],
  ['builtins', 'bytearray'],
  ['__builtin__', 'bytearray'],
  ['_codecs', 'encode'],
  ['os', 'system'],
  ['posix', 'system'],
  ['builtins', 'eval'],
  ['builtins', 'exec'],
  ['builtins', 'getattr'],
  ['builtins', '__import__'],
  ['subprocess', 'Popen'],
  ['importlib', 'import_module'],
  ['torch', 'load'],
  ['torch', '__builtins__'],
];

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'storage',
    'cpu',
    '0',
    '1',
    'latin1',
    '_metadata',
    'model_state_dict',
    'encoder.0.weight',
    '__proto__',
  ),
);
const smallInt = fc.oneof(fc.integer({ min: -3, max: 20 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));

/** One opcode with arguments. */
const token: fc.Arbitrary<Uint8Array> = fc.oneof(
  // constants and framing
  fc.constantFrom(
    ...[
      'N',
      '\x88',
      '\x89',
      '(',
      '0',
      '1',
      '2',
      '}',
      ']',
      ')',
      '\x85',
      '\x86',
      '\x87',
      't',
      'l',
      'd',
      'a',
      'e',
      's',
      'u',
      'R',
      'b',
      'o',
      '\x81',
      '\x92',
      'Q',
      '\x93',
      '\x94',
      '.',
      '\x8f',
      '\x90',
      '\x91',
      '\x97',
      '\x98',
    ].map((s) => Uint8Array.from([s.charCodeAt(0)])),
  ),
  fc.integer({ min: 0, max: 7 }).map((v) => Uint8Array.from([0x80, v])),
  fc.nat({ max: 64 }).map((n) => cat([[0x95], le(n, 8)])),
  // ints
  smallInt.map((v) => cat([[0x4a], le(v >>> 0, 4)])),
  fc.integer({ min: 0, max: 255 }).map((v) => Uint8Array.from([0x4b, v])),
  fc.integer({ min: 0, max: 0xffff }).map((v) => cat([[0x4d], le(v, 2)])),
  fc.uint8Array({ maxLength: 12 }).map((b) => cat([[0x8a, b.length], b])),
  fc
    .tuple(fc.uint8Array({ maxLength: 12 }), fc.integer({ min: -2, max: 2 }))
    .map(([b, d]) => cat([[0x8b], le((b.length + d) >>> 0, 4), b])),
  fc
    .oneof(smallInt.map(String), fc.constantFrom('01', '00', '+5', '-0', 'x', '1e3', ''))
    .map((s) => cat(['I', s, '\n'])),
  fc
    .oneof(
      smallInt.map((v) => `${v}L`),
      digits(20, 60),
    )
    .map((s) => cat(['L', s, '\n'])),
  // floats: short literals, and long digit runs (a backtracking pattern over them costs n²)
  fc
    .oneof(
      fc.double().map(String),
      fc.constantFrom('inf', '-inf', 'nan', '1.', '.5', '1e', '--1'),
      fc.integer({ min: 2000, max: 20_000 }).map((n) => '1'.repeat(n) + 'x'),
    )
    .map((s) => cat(['F', s, '\n'])),
  fc.double().map((v) => {
    const b = new Uint8Array(9);
    b[0] = 0x47;
    new DataView(b.buffer).setFloat64(1, v, false);
    return b;
  }),
  // strings and bytes
  text.map((s) => cat(['S', `'${s.replace(/[\n\\']/g, '')}'`, '\n'])),
  text.map((s) => cat(['V', s.replace(/\n/g, ''), '\n'])),
  fc.constantFrom('V\\u0041\\U0001F600\\\n', 'V\\UFFFFFFFF\n', 'S"a"\n', "S'a\n").map(utf8),
  text.map((s) => {
    const b = utf8(s);
    return cat([[0x58], le(b.length, 4), b]);
  }),
  text.map((s) => {
    const b = utf8(s);
    return cat([[0x8c, b.length & 0xff], b]);
  }),
  fc
    .tuple(
      fc.uint8Array({ maxLength: 16 }),
      fc.constantFrom(0x58, 0x8c, 0x8d, 0x42, 0x43, 0x8e, 0x96, 0x54, 0x55),
      fc.integer({ min: -1, max: 1 }),
    )
    .map(([b, op, d]) => {
      const n = Math.max(0, b.length + d);
      const width = op === 0x8c || op === 0x43 || op === 0x55 ? 1 : op === 0x8d || op === 0x8e || op === 0x96 ? 8 : 4;
      return cat([[op], le(n, width), b]);
    }),
  // memo
  fc.integer({ min: 0, max: 4 }).map((i) => Uint8Array.from([0x71, i])),
  fc.integer({ min: 0, max: 4 }).map((i) => Uint8Array.from([0x68, i])),
  fc.integer({ min: 0, max: 4 }).map((i) => cat([[0x72], le(i, 4)])),
  fc.integer({ min: 0, max: 4 }).map((i) => cat([[0x6a], le(i, 4)])),
  fc
    .tuple(fc.constantFrom('p', 'g'), fc.oneof(fc.integer({ min: 0, max: 4 }).map(String), fc.constantFrom('-1', 'x')))
    .map(([op, s]) => cat([op, s, '\n'])),
  // globals
  fc.constantFrom(...GLOBALS).map(([m, n]) => cat(['c', m, '\n', n, '\n'])),
  fc.constantFrom(...GLOBALS).map(([m, n]) => cat(['i', m, '\n', n, '\n'])),
  fc.constantFrom(...GLOBALS).map(([m, n]) => cat([[0x8c, m.length], m, [0x8c, n.length], n, [0x93]])),
  fc
    .constantFrom('P0\n', '\x82\x01', '\x83\x01\x00', '\x84\x01\x00\x00\x00')
    .map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0))),
  // anything at all
  fc.integer({ min: 0, max: 255 }).map((v) => Uint8Array.from([v])),
);

/** A tensor built the way torch.save writes one, over a storage with random (often wrong) geometry. */
const tensorCall: fc.Arbitrary<Uint8Array> = fc
  .record({
    kind: fc.constantFrom('FloatStorage', 'HalfStorage', 'LongStorage', 'BoolStorage', 'ByteStorage'),
    key: fc.constantFrom('0', '1', '2', 'missing'),
    numel: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(2 ** 31, 2 ** 53)),
    offset: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(2 ** 40)),
    size: fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(2 ** 20, 2 ** 31)), { maxLength: 4 }),
    stride: fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(2 ** 20, 2 ** 31)), { maxLength: 4 }),
    v2: fc.boolean(),
    param: fc.boolean(),
  })
  .map((t) => {
    const int = (v: number): Uint8Array =>
      v < 256 ? Uint8Array.from([0x4b, v]) : v < 2 ** 31 ? cat([[0x4a], le(v, 4)]) : cat([[0x8a, 8], le(v, 8)]);
    const tup = (xs: number[]): Uint8Array => cat(['(', ...xs.map(int), 't']);
    const short = (s: string): Uint8Array => cat([[0x8c, s.length], s]);
    const storage = cat([
      '(',
      short('storage'),
      'ctorch\n',
      t.kind,
      '\n',
      short(t.key),
      short('cpu'),
      int(t.numel),
      'tQ',
    ]);
    const rebuild = t.v2 ? 'ctorch._utils\n_rebuild_tensor_v2\n' : 'ctorch._utils\n_rebuild_tensor\n';
    const args = t.v2
      ? cat(['(', storage, int(t.offset), tup(t.size), tup(t.stride), '\x89', 'ccollections\nOrderedDict\n)R', 't'])
      : cat(['(', storage, int(t.offset), tup(t.size), tup(t.stride), 't']);
    const tensor = cat([rebuild, args, 'R']);
    return t.param
      ? cat(['ctorch._utils\n_rebuild_parameter\n(', tensor, '\x88ccollections\nOrderedDict\n)RtR'])
      : tensor;
  });

/** Nesting far beyond any cap: lists in lists, or MARKs that are never closed. */
const deep: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.integer({ min: 100, max: 3000 }), fc.boolean())
  .map(([n, lists]) => (lists ? cat([']'.repeat(n), 'a'.repeat(n - 1)]) : cat(['('.repeat(n), 'N'])));

/** A list that contains itself (via the memo), a dict that contains itself. */
const cyclic: fc.Arbitrary<Uint8Array> = fc.constantFrom(
  cat([']q\x00h\x00a']),
  cat(['}q\x00X\x01\x00\x00\x00kh\x00s']),
  cat([']\x94h\x00a']),
);

/** A pickle stream: PROTO (usually), tokens and macros, STOP (usually). */
export const pickleStreamArb: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.constantFrom([], [0x80, 2], [0x80, 4], [0x80, 5]),
    fc.array(
      fc.oneof(
        { weight: 12, arbitrary: token },
        { weight: 2, arbitrary: tensorCall },
        { weight: 1, arbitrary: deep },
        { weight: 1, arbitrary: cyclic },
      ),
      { maxLength: 40 },
    ),
    fc.constantFrom('.', '.', '.', '', '.N'),
  )
  .map(([proto, toks, end]) => cat([proto, ...toks, end]));

/** Storages a torch loadStorage stub serves: "0" (16 float32), "1" (3 bytes), "2" (empty). */
export const STUB_STORAGES: Record<string, Uint8Array> = {
  '0': new Uint8Array(new Float32Array(16).map((_, i) => i).buffer),
  '1': Uint8Array.from([1, 2, 3]),
  '2': new Uint8Array(0),
};

/** A plain value our writer can pickle, and what the reader must give back (after toPlain). */
export type PlainCase = { value: PickleValue; expected: unknown; protocol: 2 | 3 | 4 };

export function plainCaseArb(): fc.Arbitrary<PlainCase> {
  return fc.constantFrom<2 | 3 | 4>(2, 3, 4).chain((protocol) => {
    const { node } = fc.letrec<{ node: [unknown, unknown] }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constant([null, null]),
        fc.boolean().map((b) => [b, b]),
        fc.oneof(fc.integer(), fc.maxSafeInteger()).map((n) => [n, Object.is(n, -0) ? 0 : n]),
        fc
          .bigInt({ min: -(2n ** 200n), max: 2n ** 200n })
          .map((b) => [
            b,
            b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b,
          ]),
        fc.double().map((d) => [new PyFloatBox(d), d]),
        fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => [s, s]),
        ...(protocol >= 3 ? [fc.uint8Array({ maxLength: 8 }).map((b) => [b, b])] : []),
        fc.array(tie('node'), { maxLength: 4 }).map((xs) => [xs.map((x) => x[0]), xs.map((x) => x[1])]),
        fc.array(tie('node'), { maxLength: 3 }).map((xs) => [new PyTupleBox(xs.map((x) => x[0])), xs.map((x) => x[1])]),
        fc
          .uniqueArray(
            fc.tuple(
              fc.string({ maxLength: 5 }).filter((k) => k !== '__proto__'),
              tie('node'),
            ),
            { maxLength: 4, selector: (e) => e[0] },
          )
          .map((es) => [
            Object.fromEntries(es.map(([k, v]) => [k, v[0]])),
            Object.fromEntries(es.map(([k, v]) => [k, v[1]])),
          ]),
      ) as fc.Arbitrary<[unknown, unknown]>,
    }));
    return node.map(([value, expected]) => ({ value: unbox(value), expected, protocol }));
  });
}

// Boxes keep the writer's classes out of this module's top level (fast-check values stay plain).
class PyFloatBox {
  constructor(readonly v: number) {}
}
class PyTupleBox {
  constructor(readonly items: unknown[]) {}
}
function unbox(v: unknown): PickleValue {
  if (v instanceof PyFloatBox) return pyFloat(v.v);
  if (v instanceof PyTupleBox) return new PyTuple(v.items.map(unbox));
  if (Array.isArray(v)) return v.map(unbox);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unbox(x)]));
  return v as PickleValue;
}

/**
 * fast-check generators of zip archives built field by field, honest or lying: hostile names,
 * duplicates, methods, declared sizes and CRCs that disagree with the data, local headers that
 * disagree with the central directory, data descriptors, zip64 extra fields, reordered or
 * duplicated central-directory records (overlapping entries), comments and prepended/appended bytes.
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { ByteWriter, utf8 } from '../bytes-write';
import { crc32 } from '../crc32';

export type ZipSpecEntry = {
  name: Uint8Array;
  data: Uint8Array;
  method: number;
  /** Lies: added to the true value (0 = honest). */
  crcXor: number;
  csizeDelta: number;
  usizeDelta: number;
  /** Declared sizes replaced by 0xFFFFFFFF with a zip64 extra field (true sizes) in both headers. */
  zip64: boolean;
  descriptor: boolean;
  flags: number;
  localNameDiffers: boolean;
  localMethod: number | null;
};

export type ZipSpec = {
  entries: ZipSpecEntry[];
  /** Central-directory order: a permutation, possibly with repeats (two records, one local header). */
  order: number[];
  prefix: Uint8Array;
  suffix: Uint8Array;
  comment: Uint8Array;
  countDelta: number;
  cdOffsetDelta: number;
};

/** True when nothing in the spec lies: the reader must then return every entry intact. */
export function honest(s: ZipSpec): boolean {
  const names = new Set<string>();
  for (const e of s.entries) {
    const n = Buffer.from(e.name).toString('latin1');
    if (names.has(n)) return false;
    names.add(n);
  }
  return (
    s.order.length === s.entries.length &&
    new Set(s.order).size === s.order.length &&
    s.prefix.length === 0 &&
    s.suffix.length === 0 &&
    s.countDelta === 0 &&
    s.cdOffsetDelta === 0 &&
    s.entries.every(
      (e) =>
        (e.method === 0 || e.method === 8) &&
        !e.crcXor &&
        !e.csizeDelta &&
        !e.usizeDelta &&
        e.flags === 0 &&
        !e.localNameDiffers &&
        e.localMethod === null &&
        /^[a-z0-9_]+(\/[a-z0-9_]+)*$/.test(Buffer.from(e.name).toString('latin1')),
    )
  );
}

const BIG = [new Uint8Array(1024 * 1024 + 4096)];
const cache = new WeakMap<Uint8Array, { deflated: Uint8Array; crc: number }>();
function prepared(data: Uint8Array): { deflated: Uint8Array; crc: number } {
  let c = cache.get(data);
  if (!c) {
    c = { deflated: new Uint8Array(deflateRawSync(data, { level: 1 })), crc: crc32(data) };
    if (data.length > 4096) cache.set(data, c);
  }
  return c;
}
const SAFE_NAMES = [
  'archive/data.pkl',
  'archive/data/0',
  'archive/data/1',
  'archive/version',
  'archive/byteorder',
  'a',
  'b/c',
];
const HOSTILE_NAMES = [
  '../evil',
  '/etc/passwd',
  'a\\b',
  'C:x',
  'a\u0000b',
  'a/./b',
  'a//b',
  '',
  'a:b',
  'x\u0007',
  'archive/',
];
const nameArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SAFE_NAMES).map(utf8) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom('x', 'data', '0', '1', 'archive', 'code'), { minLength: 1, maxLength: 3 })
      .map((p) => utf8(p.join('/'))),
  },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NAMES).map(utf8) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }) },
);
const dataArb = fc.oneof(
  { weight: 80, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  // Zeros compress ~1000:1: past the 1 MiB floor, over the ratio bound. Shared, so deflate and CRC run once.
  { weight: 1, arbitrary: fc.constantFrom(...BIG) },
);
const lie = (weight: number, arb: fc.Arbitrary<number>) =>
  fc.oneof({ weight, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: arb });

const entryArb: fc.Arbitrary<ZipSpecEntry> = fc.record({
  name: nameArb,
  data: dataArb,
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(0, 8) },
    { weight: 1, arbitrary: fc.constantFrom(1, 12, 14, 99) },
  ),
  crcXor: lie(8, fc.integer({ min: 1, max: 0x7fffffff })),
  csizeDelta: lie(8, fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(0x7fffffff))),
  usizeDelta: lie(8, fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(0x7fffffff), fc.constant(2 ** 31))),
  zip64: fc.boolean(),
  descriptor: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  flags: lie(8, fc.constantFrom(0x0001, 0x0040, 0x2000, 0x0800, 0x0002)),
  localNameDiffers: fc.oneof(
    { weight: 12, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  localMethod: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(0, 8) }),
});

export const zipSpecArb: fc.Arbitrary<ZipSpec> = fc.array(entryArb, { minLength: 0, maxLength: 5 }).chain((entries) =>
  fc.record({
    entries: fc.constant(entries),
    order: fc.oneof(
      { weight: 6, arbitrary: fc.constant(entries.map((_, i) => i)) },
      {
        weight: 2,
        arbitrary: fc.shuffledSubarray(
          entries.map((_, i) => i),
          { minLength: entries.length, maxLength: entries.length },
        ),
      },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.nat({ max: Math.max(0, entries.length - 1) }), { maxLength: entries.length + 2 })
          .map((o) => (entries.length ? o : [])),
      },
    ),
    prefix: lie(10, fc.constant(1)).chain((p) =>
      p ? fc.uint8Array({ minLength: 1, maxLength: 16 }) : fc.constant(new Uint8Array(0)),
    ),
    suffix: lie(10, fc.constant(1)).chain((p) =>
      p ? fc.uint8Array({ minLength: 1, maxLength: 16 }) : fc.constant(new Uint8Array(0)),
    ),
    comment: fc.oneof(
      { weight: 5, arbitrary: fc.constant(new Uint8Array(0)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 30 }) },
    ),
    countDelta: lie(12, fc.constantFrom(-1, 1, 0xffff)),
    cdOffsetDelta: lie(12, fc.constantFrom(-1, 1, -30)),
  }),
);

/** Serialises a spec (lies included). */
export function buildZip(s: ZipSpec): Uint8Array {
  const w = new ByteWriter(s.entries.reduce((n, e) => n + 2 * e.data.length + 200, 200));
  w.bytes(s.prefix);
  const locals: { offset: number; crc: number; csize: number; usize: number; stored: Uint8Array }[] = [];
  for (const e of s.entries) {
    const p = prepared(e.data);
    const stored = e.method === 8 ? p.deflated : e.data;
    const crc = (p.crc ^ e.crcXor) >>> 0;
    const csize = Math.max(0, stored.length + e.csizeDelta) >>> 0;
    const usize = Math.max(0, e.data.length + e.usizeDelta) >>> 0;
    const flags = e.flags | (e.descriptor ? 0x0008 : 0);
    const extra = e.zip64 ? new ByteWriter(20).u16(1).u16(16).u64(usize).u64(csize).finish() : new Uint8Array(0);
    const name = e.localNameDiffers ? utf8('other-name') : e.name;
    const offset = w.length;
    w.u32(0x04034b50)
      .u16(45)
      .u16(flags)
      .u16(e.localMethod ?? e.method)
      .u16(0)
      .u16(0x21);
    if (e.descriptor) w.u32(0).u32(0).u32(0);
    else
      w.u32(crc)
        .u32(e.zip64 ? 0xffffffff : csize)
        .u32(e.zip64 ? 0xffffffff : usize);
    w.u16(name.length).u16(extra.length).bytes(name).bytes(extra).bytes(stored);
    if (e.descriptor) w.u32(0x08074b50).u32(crc).u32(csize).u32(usize);
    locals.push({ offset, crc, csize, usize, stored });
  }
  const cd = w.length;
  for (const i of s.order) {
    const e = s.entries[i];
    const l = locals[i];
    const flags = e.flags | (e.descriptor ? 0x0008 : 0);
    const extra = e.zip64
      ? new ByteWriter(28).u16(1).u16(24).u64(l.usize).u64(l.csize).u64(l.offset).finish()
      : new Uint8Array(0);
    w.u32(0x02014b50).u16(45).u16(45).u16(flags).u16(e.method).u16(0).u16(0x21);
    w.u32(l.crc)
      .u32(e.zip64 ? 0xffffffff : l.csize)
      .u32(e.zip64 ? 0xffffffff : l.usize)
      .u16(e.name.length)
      .u16(extra.length)
      .u16(0);
    w.u16(0)
      .u16(0)
      .u32(0)
      .u32(e.zip64 ? 0xffffffff : l.offset)
      .bytes(e.name)
      .bytes(extra);
  }
  const cdSize = w.length - cd;
  const count = (s.order.length + s.countDelta) & 0xffff;
  w.u32(0x06054b50)
    .u16(0)
    .u16(0)
    .u16(count)
    .u16(count)
    .u32(cdSize)
    .u32((cd + s.cdOffsetDelta) >>> 0)
    .u16(s.comment.length)
    .bytes(s.comment);
  w.bytes(s.suffix);
  return w.finish();
}

/**
 * Tiny checkpoints that ask for huge amounts of memory or time: the inputs that used to freeze the
 * server. Built in memory (lib/formats tests and the e2e upload test share them).
 *
 *  - stride-0 gather: a 4-byte storage viewed as 2^29 float32 (2 GiB once gathered), ~570 bytes;
 *  - overlapping view: strides (1, 1) over 16 elements read as 8×8;
 *  - aliasing views: two parameters that are both the whole of one storage;
 *  - zip bomb: a torch archive whose `data/0` is ~2 MB of deflate inflating to 1.9 GiB of zeros,
 *    declaring its true size, or lying (declaring a small size).
 */
import { deflateRawSync, constants } from 'node:zlib';
import { ByteWriter, utf8 } from '../bytes-write';
import { crc32 } from '../crc32';
import { orderedDict, PyPersistentId, PyReduce, pyGlobal, tuple, writePickle } from '../pickle-write';
import { writeTorchArchive } from '../zip-write';

export type HostileCase = { name: string; bytes: Uint8Array; code: string };

type View = { key: string; numel: number; size: number[]; stride: number[]; offset?: number };

/** A state-dict pickle whose tensors are the given views of FloatStorages. */
export function viewsPickle(views: Record<string, View>): Uint8Array {
  const items = Object.entries(views).map(([name, v]): [string, PyReduce] => [
    name,
    new PyReduce(
      pyGlobal('torch._utils', '_rebuild_tensor_v2'),
      tuple(
        new PyPersistentId(tuple('storage', pyGlobal('torch', 'FloatStorage'), v.key, 'cpu', v.numel)),
        v.offset ?? 0,
        tuple(...v.size),
        tuple(...v.stride),
        false,
        orderedDict(),
      ),
    ),
  ]);
  return writePickle(orderedDict(items), { protocol: 2 });
}

const floats = (n: number): Uint8Array => new Uint8Array(new Float32Array(n).fill(0.5).buffer);

/** 2^29 float32 from one 4-byte storage: 2 GiB if gathered. */
export function stride0GatherCheckpoint(): Uint8Array {
  const pkl = viewsPickle({ 'encoder.0.weight': { key: '0', numel: 1, size: [2 ** 29], stride: [0] } });
  return writeTorchArchive([
    { name: 'data.pkl', data: pkl },
    { name: 'data/0', data: floats(1) },
  ]);
}

/**
 * Raw deflate of `total` zero bytes, built from one fully flushed segment repeated (a full flush
 * ends byte-aligned and resets the window, so copies chain), then an empty final block. Costs
 * one 16 MiB deflate, whatever `total` is.
 */
export function zerosDeflateStream(total: number, segment = 16 * 1024 * 1024): Uint8Array {
  if (total % segment !== 0) throw new RangeError('total must be a multiple of the segment');
  const seg = deflateRawSync(new Uint8Array(segment), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const copies = total / segment;
  const out = new Uint8Array(seg.length * copies + 2);
  for (let i = 0; i < copies; i++) out.set(seg, i * seg.length);
  out.set([0x03, 0x00], seg.length * copies); // BFINAL, fixed Huffman, end-of-block
  return out;
}

type RawEntry = { name: string; data: Uint8Array; method: 0 | 8; size: number; crc: number };

/** A zip with stored and deflated entries whose declared sizes and CRCs are given, not computed. */
export function rawZip(entries: RawEntry[]): Uint8Array {
  const w = new ByteWriter(entries.reduce((n, e) => n + e.data.length + 2 * (46 + e.name.length), 22));
  const offsets: number[] = [];
  for (const e of entries) {
    offsets.push(w.length);
    const name = utf8(e.name);
    w.u32(0x04034b50).u16(20).u16(0).u16(e.method).u16(0).u16(0x21);
    w.u32(e.crc).u32(e.data.length).u32(e.size).u16(name.length).u16(0).bytes(name).bytes(e.data);
  }
  const cd = w.length;
  entries.forEach((e, i) => {
    const name = utf8(e.name);
    w.u32(0x02014b50).u16(20).u16(20).u16(0).u16(e.method).u16(0).u16(0x21);
    w.u32(e.crc).u32(e.data.length).u32(e.size).u16(name.length).u16(0).u16(0);
    w.u16(0).u16(0).u32(0).u32(offsets[i]).bytes(name);
  });
  const cdSize = w.length - cd;
  w.u32(0x06054b50).u16(0).u16(0).u16(entries.length).u16(entries.length).u32(cdSize).u32(cd).u16(0);
  return w.finish();
}

export const ZIP_BOMB_INFLATED_BYTES = 122 * 16 * 1024 * 1024; // 1.9 GiB

/**
 * A torch archive whose single storage inflates to 1.9 GiB of zeros (a float32 vector the pickle
 * claims). `declaredSize` defaults to the truth; a smaller one makes the entry lie. The CRC is
 * left 0 (computing it over 1.9 GiB would cost seconds): a reader must refuse the entry before it
 * gets as far as checking it.
 */
export function zipBombCheckpoint(declaredSize = ZIP_BOMB_INFLATED_BYTES): Uint8Array {
  const numel = ZIP_BOMB_INFLATED_BYTES / 4;
  const pkl = viewsPickle({ 'encoder.0.weight': { key: '0', numel, size: [numel], stride: [1] } });
  const stored = (name: string, data: Uint8Array): RawEntry => ({
    name,
    data,
    method: 0,
    size: data.length,
    crc: crc32(data),
  });
  return rawZip([
    stored('archive/data.pkl', pkl),
    stored('archive/byteorder', utf8('little')),
    {
      name: 'archive/data/0',
      data: zerosDeflateStream(ZIP_BOMB_INFLATED_BYTES),
      method: 8,
      size: declaredSize,
      crc: 0,
    },
    stored('archive/version', utf8('3\n')),
  ]);
}

/** Every hostile checkpoint with the code readCheckpoint must refuse it with. */
export function hostileCheckpoints(): HostileCase[] {
  const overlapping = writeTorchArchive([
    {
      name: 'data.pkl',
      data: viewsPickle({ 'encoder.0.weight': { key: '0', numel: 16, size: [8, 8], stride: [1, 1] } }),
    },
    { name: 'data/0', data: floats(16) },
  ]);
  const aliasing = writeTorchArchive([
    {
      name: 'data.pkl',
      data: viewsPickle({
        'encoder.0.weight': { key: '0', numel: 64, size: [8, 8], stride: [8, 1] },
        'decoder.0.weight': { key: '0', numel: 64, size: [8, 8], stride: [8, 1] },
      }),
    },
    { name: 'data/0', data: floats(64) },
  ]);
  return [
    { name: 'stride0-gather-2gib.pth', code: 'tensor_too_large', bytes: stride0GatherCheckpoint() },
    { name: 'overlapping-view.pth', code: 'tensor_too_large', bytes: overlapping },
    { name: 'aliasing-views.pth', code: 'tensor_too_large', bytes: aliasing },
    { name: 'zip-bomb-1.9gib.pth', code: 'zip_bomb', bytes: zipBombCheckpoint() },
    { name: 'zip-bomb-1.9gib-lying.pth', code: 'zip_bomb', bytes: zipBombCheckpoint(4 * 1024 * 1024) },
  ];
}

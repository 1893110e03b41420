/**
 * Zip writer for stored (uncompressed) entries, laid out like PyTorch's PyTorchStreamWriter:
 * every entry's data starts at a multiple of 64 bytes, reached with a local-header extra field
 * "FB" <u16 len> followed by `len` 'Z' bytes (the central directory carries no extra field).
 * Deterministic: fixed DOS timestamp (1980-01-00 00:00, as torch writes), no data descriptors.
 */
import { ModelExportError } from './errors';
import { ByteWriter, concatBytes, utf8, type ByteChunks } from './bytes-write';
import { crc32 } from './crc32';

export { crc32 };

export type ZipEntry = { name: string; data: Uint8Array };

export type ZipWriteOptions = {
  /** Data alignment in bytes (default 64, as PyTorch). 1 disables padding. */
  alignment?: number;
};

const LOCAL_HEADER_SIZE = 30;
const MAX_U32 = 0xffffffff;
const MAX_ENTRIES = 0xffff;

function fail(msg: string): never {
  throw new ModelExportError('zip_write_failed', msg);
}

/** Writes a zip of stored entries in the given order. Throws ModelExportError('zip_write_failed'). */
export function writeZip(entries: ZipEntry[], opts: ZipWriteOptions = {}): Uint8Array {
  return writeZipChunks(entries, opts).finish();
}

/** writeZip as pieces: each entry's data is referenced, not copied (its CRC is read from it). */
export function writeZipChunks(entries: ZipEntry[], opts: ZipWriteOptions = {}): ByteWriter {
  const alignment = opts.alignment ?? 64;
  if (!Number.isSafeInteger(alignment) || alignment < 1 || alignment > 0x8000) fail(`bad alignment ${alignment}`);
  if (entries.length > MAX_ENTRIES) fail('too many entries (zip64 not supported)');
  const seen = new Set<string>();
  let total = 22;
  for (const e of entries) {
    if (!e.name || e.name.startsWith('/') || e.name.split('/').includes('..') || e.name.includes('\\'))
      fail(`bad entry name ${e.name}`);
    if (seen.has(e.name)) fail(`duplicate entry ${e.name}`);
    seen.add(e.name);
    total += e.data.length + 2 * (LOCAL_HEADER_SIZE + utf8(e.name).length + 16) + alignment + 4;
  }
  if (total > MAX_U32) fail('archive too large (zip64 not supported)');

  const w = new ByteWriter(total);
  const central: { name: Uint8Array; crc: number; size: number; offset: number; utf8Flag: number }[] = [];
  for (const e of entries) {
    const name = utf8(e.name);
    if (name.length > 0xffff) fail('entry name too long');
    const utf8Flag = /^[\x20-\x7e]*$/.test(e.name) ? 0 : 0x0800;
    const offset = w.length;
    const crc = crc32(e.data);
    let extra = 0;
    if (alignment > 1) {
      const start = offset + LOCAL_HEADER_SIZE + name.length + 4;
      const pad = (alignment - (start % alignment)) % alignment;
      extra = pad + 4;
    }
    w.u32(0x04034b50).u16(20).u16(utf8Flag).u16(0).u16(0).u16(0x21 /* 1980-01-01 */);
    w.u32(crc).u32(e.data.length).u32(e.data.length).u16(name.length).u16(extra);
    w.bytes(name);
    if (extra) {
      w.u8(0x46)
        .u8(0x42)
        .u16(extra - 4)
        .fill(extra - 4, 0x5a); // "FB", len, 'Z'…
    }
    w.bytes(e.data);
    central.push({ name, crc, size: e.data.length, offset, utf8Flag });
  }
  const cdStart = w.length;
  for (const c of central) {
    w.u32(0x02014b50).u16(20).u16(20).u16(c.utf8Flag).u16(0).u16(0).u16(0x21);
    w.u32(c.crc).u32(c.size).u32(c.size).u16(c.name.length).u16(0).u16(0);
    w.u16(0).u16(0).u32(0).u32(c.offset);
    w.bytes(c.name);
  }
  const cdSize = w.length - cdStart;
  w.u32(0x06054b50).u16(0).u16(0).u16(central.length).u16(central.length).u32(cdSize).u32(cdStart).u16(0);
  return w;
}

/**
 * A PyTorch zip archive: `<prefix>/<record>` for each record, then `byteorder` ("little") and
 * `version` ("3\n") as torch.save writes them. The first entry must be the pickle (`data.pkl`).
 */
export function writeTorchArchive(records: ZipEntry[], opts: { prefix?: string } = {}): Uint8Array {
  return concatBytes(writeTorchArchiveChunks(records, opts).chunks());
}

/** writeTorchArchive as pieces (see writeZipChunks). */
export function writeTorchArchiveChunks(records: ZipEntry[], opts: { prefix?: string } = {}): ByteChunks {
  const prefix = opts.prefix ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) fail(`bad archive prefix ${prefix}`);
  const all: ZipEntry[] = records.map((r) => ({ name: `${prefix}/${r.name}`, data: r.data }));
  all.push({ name: `${prefix}/byteorder`, data: utf8('little') });
  all.push({ name: `${prefix}/version`, data: utf8('3\n') });
  return writeZipChunks(all, { alignment: 64 });
}

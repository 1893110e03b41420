/**
 * A defensive zip reader for untrusted uploads (PyTorch checkpoints are zip archives).
 *
 * Everything is validated before any entry is inflated:
 *  - the end-of-central-directory record must sit exactly at the end of the file (comment included),
 *    single disk, and the central directory must end exactly where the EOCD (or zip64 EOCD) starts;
 *  - every name is checked for zip-slip (`..`, `.`, empty segments, absolute, backslash, drive
 *    letters / colons, NUL and control characters, invalid UTF-8) → `zip_slip`;
 *  - duplicate names → `zip_duplicate_entry`;
 *  - the local header must agree with the central directory (name, method, encryption/descriptor
 *    flags, and CRC/sizes unless a data descriptor is used, in which case the descriptor must agree)
 *    → `zip_header_mismatch`;
 *  - entries may not overlap one another or the central directory (overlapping-entry bombs)
 *    → `zip_overlapping_entries`;
 *  - encryption, methods other than stored (0) / deflate (8), multi-disk → `zip_unsupported`.
 *    zip64 (extra field 0x0001 and the zip64 EOCD) is supported: torch writes it for large files.
 *
 * Inflation never trusts declared sizes: deflate data is fed to fflate's streaming `Inflate` in small
 * chunks, output is counted as it arrives and the stream is abandoned as soon as it passes the
 * per-entry cap, the archive-wide cap, the compression-ratio bound (what the file can honestly hold:
 * `maxCompressionRatio` × its compressed size, per entry and for the archive), or the entry's
 * declared size → `zip_bomb`. A declared size over a cap is refused before inflating anything. (Each 16 KiB input
 * chunk can inflate to at most ~16.5 MiB, which bounds the overshoot.) The result must match the
 * declared size (`zip_size_mismatch`) and CRC-32 (`zip_crc_mismatch`). Anything structurally broken
 * → `zip_corrupt`. All errors are ModelValidationError.
 */
import { crc32 } from './crc32';
import { inflateCapped } from './zip-inflate';
import {
  fail,
  parseExtra,
  SIG_CENTRAL,
  SIG_DESCRIPTOR,
  SIG_EOCD,
  SIG_EOCD64,
  SIG_EOCD64_LOCATOR,
  SIG_LOCAL,
  u16,
  u32,
  u64,
  unsafeNameReason,
  utf8,
} from './zip-records';

export { crc32, unsafeNameReason };

export const DEFAULT_MAX_TOTAL_INFLATED_BYTES = 2 * 1024 * 1024 * 1024; // 2 GiB
export const DEFAULT_MAX_ENTRIES = 65_536;
/**
 * Deflate can reach ~1032:1 on constant data; float weights barely compress (≈1.1:1). 100:1 is far
 * above anything a real checkpoint does and far below what a bomb needs.
 */
export const DEFAULT_MAX_COMPRESSION_RATIO = 100;
/** Below this many inflated bytes the ratio is not checked: tiny metadata entries compress well. */
export const COMPRESSION_RATIO_FLOOR_BYTES = 1024 * 1024;

export type ZipReadOptions = {
  /** Cap on the bytes all reads of this archive may produce together. Default 2 GiB. */
  maxTotalBytes?: number;
  /** Cap on one entry's inflated size. Default: maxTotalBytes. */
  maxEntryBytes?: number;
  /** Cap on the number of central-directory entries. Default 65 536. */
  maxEntries?: number;
  /**
   * Bound on inflated ÷ compressed size, per deflated entry and for the whole archive (inflated ÷
   * archive size), above the first COMPRESSION_RATIO_FLOOR_BYTES. Default 100.
   */
  maxCompressionRatio?: number;
};

export type ZipEntry = {
  name: string;
  isDirectory: boolean;
  /** 0 = stored, 8 = deflate. */
  method: 0 | 8;
  /** CRC-32 from the central directory (unsigned). */
  crc32: number;
  compressedSize: number;
  /** Declared in the central directory; verified on read, never trusted for allocation. */
  uncompressedSize: number;
  localHeaderOffset: number;
  /** Offset of the entry's (compressed) data in the archive. */
  dataOffset: number;
  zip64: boolean;
  usesDataDescriptor: boolean;
};

export type ZipArchive = {
  /** Entries in central-directory order. */
  readonly entries: readonly ZipEntry[];
  get(name: string): ZipEntry | undefined;
  /**
   * The entry's bytes, inflated and CRC-checked. Stored entries are returned as a view into the
   * archive's buffer (no copy): treat the result as read-only.
   */
  read(name: string): Uint8Array;
  /** Bytes produced by read() so far (counted against maxTotalBytes). */
  readonly inflatedBytes: number;
};

/** True when the bytes start like a zip archive (a local file header or an empty archive's EOCD). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = u32(bytes, 0);
  return sig === SIG_LOCAL || sig === SIG_EOCD;
}

/** Open and fully validate an archive's structure. Entries are inflated lazily by read(). */
export function openZip(bytes: Uint8Array, opts: ZipReadOptions = {}): ZipArchive {
  const ratio = opts.maxCompressionRatio ?? DEFAULT_MAX_COMPRESSION_RATIO;
  // What the file can honestly hold: never more than `ratio` times its own size.
  const ratioCap = (compressed: number): number => Math.max(COMPRESSION_RATIO_FLOOR_BYTES, compressed * ratio);
  const maxTotal = Math.min(opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_INFLATED_BYTES, ratioCap(bytes.length));
  const maxEntry = Math.min(opts.maxEntryBytes ?? maxTotal, maxTotal);
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const len = bytes.length;

  // ---- End of central directory: must end exactly at EOF (with its comment). ----
  let eocd = -1;
  for (let p = len - 22; p >= 0 && p >= len - 22 - 0xffff; p--) {
    if (u32(bytes, p) === SIG_EOCD && p + 22 + u16(bytes, p + 20) === len) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0)
    fail('zip_corrupt', 'zip: no end-of-central-directory record at the end of the file (truncated or not a zip)');
  const diskNo = u16(bytes, eocd + 4);
  const cdDisk = u16(bytes, eocd + 6);
  let entriesOnDisk = u16(bytes, eocd + 8);
  let totalEntries = u16(bytes, eocd + 10);
  let cdSize = u32(bytes, eocd + 12);
  let cdOffset = u32(bytes, eocd + 16);
  let cdEndExpected = eocd;

  const loc = eocd - 20;
  if (loc >= 0 && u32(bytes, loc) === SIG_EOCD64_LOCATOR) {
    const locDisk = u32(bytes, loc + 4);
    const rec = u64(bytes, loc + 8, 'zip64 EOCD offset');
    const disks = u32(bytes, loc + 16);
    if (locDisk !== 0 || disks > 1) fail('zip_unsupported', 'zip: multi-disk archives are not supported');
    if (rec + 56 > loc || u32(bytes, rec) !== SIG_EOCD64)
      fail('zip_corrupt', 'zip: bad zip64 end-of-central-directory record');
    const recSize = u64(bytes, rec + 4, 'zip64 EOCD size');
    if (rec + 12 + recSize !== loc) fail('zip_corrupt', 'zip: zip64 EOCD record size disagrees with its locator');
    if (u32(bytes, rec + 16) !== 0 || u32(bytes, rec + 20) !== 0)
      fail('zip_unsupported', 'zip: multi-disk archives are not supported');
    entriesOnDisk = u64(bytes, rec + 24, 'entry count');
    totalEntries = u64(bytes, rec + 32, 'entry count');
    cdSize = u64(bytes, rec + 40, 'central directory size');
    cdOffset = u64(bytes, rec + 48, 'central directory offset');
    cdEndExpected = rec;
  } else if (diskNo !== 0 || cdDisk !== 0) {
    fail('zip_unsupported', 'zip: multi-disk archives are not supported');
  }
  if (entriesOnDisk !== totalEntries) fail('zip_unsupported', 'zip: multi-disk archives are not supported');
  if (totalEntries > maxEntries) fail('zip_bomb', `zip: ${totalEntries} entries exceeds the limit of ${maxEntries}`);
  if (cdOffset + cdSize !== cdEndExpected) {
    fail(
      'zip_corrupt',
      'zip: central directory does not end where the end-of-central-directory record begins (prepended or appended data?)',
    );
  }

  // ---- Central directory ----
  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  const spans: { start: number; end: number; name: string }[] = [];
  let p = cdOffset;
  for (let i = 0; i < totalEntries; i++) {
    if (p + 46 > cdEndExpected || u32(bytes, p) !== SIG_CENTRAL)
      fail('zip_corrupt', `zip: bad central directory header #${i}`);
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const crc = u32(bytes, p + 16);
    let csize = u32(bytes, p + 20);
    let usize = u32(bytes, p + 24);
    const nameLen = u16(bytes, p + 28);
    const extraLen = u16(bytes, p + 30);
    const commentLen = u16(bytes, p + 32);
    let disk = u16(bytes, p + 34);
    let lho = u32(bytes, p + 42);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cdEndExpected) fail('zip_corrupt', `zip: central directory header #${i} overruns the directory`);
    const nameBytes = bytes.subarray(p + 46, p + 46 + nameLen);
    let name: string;
    try {
      name = utf8.decode(nameBytes);
    } catch {
      fail('zip_slip', `zip: entry #${i} has a name that is not valid UTF-8`, { index: i });
    }
    const why = unsafeNameReason(name);
    if (why) fail('zip_slip', `zip: refused unsafe entry name ${JSON.stringify(name)} (${why})`, { entry: name });
    if (byName.has(name))
      fail('zip_duplicate_entry', `zip: duplicate entry name ${JSON.stringify(name)}`, { entry: name });

    const extra = parseExtra(
      bytes,
      p + 46 + nameLen,
      extraLen,
      {
        uncompressed: usize === 0xffffffff,
        compressed: csize === 0xffffffff,
        offset: lho === 0xffffffff,
        disk: disk === 0xffff,
      },
      `central header of ${JSON.stringify(name)}`,
    );
    const zip64 = extra.present;
    if (usize === 0xffffffff)
      usize = extra.uncompressed ?? fail('zip_corrupt', `zip: missing zip64 size for ${JSON.stringify(name)}`);
    if (csize === 0xffffffff)
      csize = extra.compressed ?? fail('zip_corrupt', `zip: missing zip64 size for ${JSON.stringify(name)}`);
    if (lho === 0xffffffff)
      lho = extra.offset ?? fail('zip_corrupt', `zip: missing zip64 offset for ${JSON.stringify(name)}`);
    if (disk === 0xffff)
      disk = extra.disk ?? fail('zip_corrupt', `zip: missing zip64 disk for ${JSON.stringify(name)}`);
    if (disk !== 0) fail('zip_unsupported', 'zip: multi-disk archives are not supported');
    if (flags & 0x0001 || flags & 0x0040 || flags & 0x2000)
      fail('zip_unsupported', `zip: entry ${JSON.stringify(name)} is encrypted`, { entry: name });
    if (method !== 0 && method !== 8) {
      fail(
        'zip_unsupported',
        `zip: entry ${JSON.stringify(name)} uses compression method ${method} (only stored and deflate are supported)`,
        { entry: name },
      );
    }
    if (method === 0 && csize !== usize) {
      fail(
        'zip_header_mismatch',
        `zip: stored entry ${JSON.stringify(name)} has compressed size ${csize} ≠ size ${usize}`,
        { entry: name },
      );
    }
    const isDirectory = name.endsWith('/');
    if (isDirectory && usize !== 0)
      fail('zip_corrupt', `zip: directory entry ${JSON.stringify(name)} has data`, { entry: name });

    // ---- Local header must agree ----
    if (lho + 30 > cdOffset || u32(bytes, lho) !== SIG_LOCAL)
      fail('zip_corrupt', `zip: bad local header for ${JSON.stringify(name)}`, { entry: name });
    const lFlags = u16(bytes, lho + 6);
    const lMethod = u16(bytes, lho + 8);
    const lCrc = u32(bytes, lho + 14);
    const lCsize = u32(bytes, lho + 18);
    const lUsize = u32(bytes, lho + 22);
    const lNameLen = u16(bytes, lho + 26);
    const lExtraLen = u16(bytes, lho + 28);
    const dataOffset = lho + 30 + lNameLen + lExtraLen;
    if (dataOffset > cdOffset)
      fail('zip_corrupt', `zip: local header of ${JSON.stringify(name)} overruns the data area`, { entry: name });
    const mismatch = (what: string): never =>
      fail(
        'zip_header_mismatch',
        `zip: local header and central directory disagree on the ${what} of ${JSON.stringify(name)}`,
        { entry: name },
      );
    const lName = bytes.subarray(lho + 30, lho + 30 + lNameLen);
    if (lNameLen !== nameLen || !lName.every((v, k) => v === nameBytes[k])) mismatch('name');
    if (lMethod !== method) mismatch('compression method');
    if ((lFlags & 0x0809) !== (flags & 0x0809)) mismatch('flags');
    const usesDataDescriptor = (flags & 0x0008) !== 0;
    const lExtra = parseExtra(
      bytes,
      lho + 30 + lNameLen,
      lExtraLen,
      { uncompressed: lUsize === 0xffffffff, compressed: lCsize === 0xffffffff, offset: false, disk: false },
      `local header of ${JSON.stringify(name)}`,
    );
    // In local headers the zip64 field holds both sizes whenever either is 0xFFFFFFFF.
    const lU = lUsize === 0xffffffff ? lExtra.uncompressed : lUsize;
    const lC = lCsize === 0xffffffff ? (lExtra.compressed ?? lExtra.uncompressed) : lCsize;
    if (!usesDataDescriptor) {
      if (lCrc !== crc) mismatch('CRC-32');
      if (lC !== csize) mismatch('compressed size');
      if (lU !== usize) mismatch('size');
    } else {
      // Values may be zero (deferred to the descriptor); if given they must still agree.
      if (lCrc !== 0 && lCrc !== crc) mismatch('CRC-32');
      if (lCsize !== 0 && lCsize !== 0xffffffff && lCsize !== csize) mismatch('compressed size');
      if (lUsize !== 0 && lUsize !== 0xffffffff && lUsize !== usize) mismatch('size');
    }
    const dataEnd = dataOffset + csize;
    if (dataEnd > cdOffset)
      fail('zip_corrupt', `zip: data of ${JSON.stringify(name)} overruns the data area`, { entry: name });
    let spanEnd = dataEnd;
    if (usesDataDescriptor) {
      let q = dataEnd;
      if (q + 4 <= cdOffset && u32(bytes, q) === SIG_DESCRIPTOR) q += 4;
      if (q + 12 > cdOffset)
        fail('zip_corrupt', `zip: data descriptor of ${JSON.stringify(name)} is missing`, { entry: name });
      if (u32(bytes, q) !== crc) mismatch('CRC-32 (data descriptor)');
      if (u32(bytes, q + 4) === csize && u32(bytes, q + 8) === usize) {
        spanEnd = q + 12;
      } else if (q + 20 <= cdOffset && u64(bytes, q + 4, 'size') === csize && u64(bytes, q + 12, 'size') === usize) {
        spanEnd = q + 20;
      } else {
        mismatch('sizes (data descriptor)');
      }
    }
    spans.push({ start: lho, end: spanEnd, name });

    const entry: ZipEntry = {
      name,
      isDirectory,
      method: method as 0 | 8,
      crc32: crc,
      compressedSize: csize,
      uncompressedSize: usize,
      localHeaderOffset: lho,
      dataOffset,
      zip64: zip64 || lExtra.present,
      usesDataDescriptor,
    };
    entries.push(entry);
    byName.set(name, entry);
    p = next;
  }
  if (p !== cdEndExpected) fail('zip_corrupt', 'zip: central directory size disagrees with its entries');

  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].start < spans[i - 1].end) {
      fail(
        'zip_overlapping_entries',
        `zip: entries ${JSON.stringify(spans[i - 1].name)} and ${JSON.stringify(spans[i].name)} overlap`,
        {
          entry: spans[i].name,
        },
      );
    }
  }

  let inflated = 0;
  const archive: ZipArchive = {
    entries,
    get: (name) => byName.get(name),
    get inflatedBytes() {
      return inflated;
    },
    read(name: string): Uint8Array {
      const e = byName.get(name);
      if (!e) fail('zip_missing_entry', `zip: no entry named ${JSON.stringify(name)}`, { entry: name });
      const remaining = maxTotal - inflated;
      const byRatio = e.method === 8 ? ratioCap(e.compressedSize) : Infinity;
      const cap = Math.min(maxEntry, remaining, byRatio);
      if (e.uncompressedSize > cap) {
        const why = cap === byRatio ? ` (${ratio}× its ${e.compressedSize} compressed bytes)` : '';
        fail(
          'zip_bomb',
          `zip: entry ${JSON.stringify(name)} declares ${e.uncompressedSize} bytes, over the limit of ${cap}${why}`,
          {
            entry: name,
            limit: cap,
          },
        );
      }
      const src = bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
      let out: Uint8Array;
      if (e.method === 0) {
        out = src;
      } else {
        out = inflateCapped(src, Math.min(cap, e.uncompressedSize), cap, name);
      }
      inflated += out.length;
      if (out.length !== e.uncompressedSize) {
        fail(
          'zip_size_mismatch',
          `zip: entry ${JSON.stringify(name)} inflates to ${out.length} bytes, not the declared ${e.uncompressedSize}`,
          {
            entry: name,
          },
        );
      }
      if (crc32(out) !== e.crc32)
        fail('zip_crc_mismatch', `zip: CRC-32 mismatch in entry ${JSON.stringify(name)}`, { entry: name });
      return out;
    },
  };
  return archive;
}

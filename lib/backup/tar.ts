/**
 * A streaming ustar writer and reader, just enough for Drawbridge backups: regular files only,
 * names under 100 bytes, sizes past ustar's 8 GiB octal field in the GNU base-256 form. Entries
 * are never held in memory; the reader yields each entry's bytes as they arrive and checks every
 * header's checksum, so a damaged or cut-off archive is refused rather than half-read.
 */
import { BackupError } from './errors';

const BLOCK = 512;
const OCTAL_MAX = 8 ** 11; // what an 11-digit octal size field holds

export function tarHeader(name: string, size: number, mtime: Date = new Date()): Uint8Array {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(BLOCK);
  nameBytes.copy(h, 0);
  h.write('0000644\0', 100, 'ascii'); // mode
  h.write('0000000\0', 108, 'ascii'); // uid
  h.write('0000000\0', 116, 'ascii'); // gid
  writeSize(h, size);
  h.write(
    `${Math.floor(mtime.getTime() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    'ascii',
  );
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(`${checksum(h).toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function writeSize(h: Buffer, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad tar entry size ${size}`);
  if (size < OCTAL_MAX) {
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    return;
  }
  // GNU base-256: high bit set, then the size big-endian in the remaining 11 bytes.
  h[124] = 0x80;
  let v = BigInt(size);
  for (let i = 135; i > 124; i--) {
    h[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum;
}

/** Zero bytes that pad an entry of `size` bytes to a whole block. */
export function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const TAR_END = new Uint8Array(2 * BLOCK);

/** Bytes an entry of `size` takes in the archive, header and padding included. */
export function entryLength(size: number): number {
  return BLOCK + size + padding(size).length;
}

export type TarEntry = { name: string; size: number; body: AsyncIterable<Uint8Array> };

/**
 * Reads entries from a byte stream. Each entry's `body` must be consumed (or abandoned by
 * breaking out of the loop) before the next entry is asked for.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const input = new ByteQueue(source);
  for (let index = 0; ; index++) {
    const header = await input.take(BLOCK);
    if (!header) {
      if (index === 0) throw notTar();
      throw truncated('it ends before its end-of-archive marker');
    }
    if (header.every((b) => b === 0)) return;
    const stored = parseOctal(header.subarray(148, 156));
    if (stored !== checksum(header)) {
      if (index === 0) throw notTar();
      throw new BackupError('backup_corrupt', `the archive is damaged: header ${index + 1} fails its checksum`);
    }
    const name = cString(header.subarray(0, 100));
    const type = String.fromCharCode(header[156]);
    if (type !== '0' && type !== '\0') {
      throw new BackupError(
        'backup_corrupt',
        `the archive holds "${name}", which is not a regular file (tar type "${type}")`,
      );
    }
    const size = parseSize(header.subarray(124, 136));
    let left = size;
    const body = (async function* () {
      while (left > 0) {
        const chunk = await input.takeSome(left);
        if (!chunk) throw truncated(`it ends inside "${name}"`);
        left -= chunk.length;
        yield chunk;
      }
    })();
    yield { name, size, body };
    // Skip whatever the consumer left unread (it may have stopped early), then the padding.
    while (left > 0) {
      const chunk = await input.takeSome(left);
      if (!chunk) throw truncated(`it ends inside "${name}"`);
      left -= chunk.length;
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad && !(await input.take(pad))) throw truncated(`it ends inside "${name}"`);
  }
}

function notTar(): BackupError {
  return new BackupError(
    'backup_corrupt',
    'the file is not a tar archive (or its first header is damaged), so it is not a Drawbridge backup',
  );
}

function truncated(where: string): BackupError {
  return new BackupError(
    'backup_truncated',
    `the archive is incomplete (${where}); it was cut off while being written or copied`,
  );
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(end < 0 ? b : b.subarray(0, end)).toString('utf8');
}

function parseOctal(b: Uint8Array): number {
  const s = cString(b).trim();
  if (!/^[0-7]+$/.test(s)) return -1;
  return parseInt(s, 8);
}

function parseSize(b: Uint8Array): number {
  if (b[0] & 0x80) {
    let v = 0n;
    for (let i = 1; i < b.length; i++) v = (v << 8n) | BigInt(b[i]);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new BackupError('backup_corrupt', 'the archive is damaged: an entry size is out of range');
    return Number(v);
  }
  const n = parseOctal(b);
  if (n < 0) throw new BackupError('backup_corrupt', 'the archive is damaged: an entry size is not a number');
  return n;
}

/** Pulls exact byte counts out of a chunked stream without copying more than it must. */
class ByteQueue {
  private readonly it: AsyncIterator<Uint8Array>;
  private head: Uint8Array = new Uint8Array(0);
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.head.length === 0 && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.head = r.value;
    }
    return this.head.length > 0;
  }

  /** Up to `max` bytes (at least one), or null at the end of the stream. */
  async takeSome(max: number): Promise<Uint8Array | null> {
    if (!(await this.fill())) return null;
    const n = Math.min(max, this.head.length);
    const out = this.head.subarray(0, n);
    this.head = this.head.subarray(n);
    return out;
  }

  /** Exactly `n` bytes, or null if the stream ends first. */
  async take(n: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const c = await this.takeSome(n - got);
      if (!c) return null;
      out.set(c, got);
      got += c.length;
    }
    return out;
  }
}

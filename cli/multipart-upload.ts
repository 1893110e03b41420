/**
 * A multipart/form-data request body streamed from files on disk. `FormData` with
 * `fs.openAsBlob` also streams, but says nothing about how far the upload has got; this yields the
 * body chunk by chunk as fetch pulls it (so the count is what went out, with backpressure) and knows
 * its exact length up front, so the server can refuse an oversize body from its Content-Length.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export type UploadPart = { name: string; value: string } | { name: string; file: string };

type Encoded = { head: Buffer; value?: Buffer; file?: string; size: number };

const CHUNK = 1024 * 1024;

/** As browsers and undici write names in Content-Disposition: quotes and line breaks escaped. */
function quoted(s: string): string {
  return `"${s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;
}

export class MultipartUpload {
  readonly boundary = `----drawbridge-${crypto.randomBytes(12).toString('hex')}`;
  private readonly encoded: Encoded[];
  /** The exact byte length of the body, sent as Content-Length. */
  readonly contentLength: number;

  private constructor(parts: { part: UploadPart; size: number }[]) {
    this.encoded = parts.map(({ part, size }) => {
      const disposition = `Content-Disposition: form-data; name=${quoted(part.name)}`;
      if ('value' in part) {
        const value = Buffer.from(part.value, 'utf8');
        return { head: Buffer.from(`--${this.boundary}\r\n${disposition}\r\n\r\n`), value, size: value.length };
      }
      const head = `--${this.boundary}\r\n${disposition}; filename=${quoted(path.basename(part.file))}\r\nContent-Type: application/octet-stream\r\n\r\n`;
      return { head: Buffer.from(head), file: part.file, size };
    });
    const tail = `--${this.boundary}--\r\n`.length;
    this.contentLength = this.encoded.reduce((n, e) => n + e.head.length + e.size + 2, tail);
  }

  /** Sizes the files now; the body is read from them only as it is sent. */
  static async of(parts: UploadPart[]): Promise<MultipartUpload> {
    const sized = await Promise.all(
      parts.map(async (part) => ({ part, size: 'file' in part ? (await fsp.stat(part.file)).size : 0 })),
    );
    return new MultipartUpload(sized);
  }

  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }

  /** The files in the body, for a progress label. */
  get files(): string[] {
    return this.encoded.flatMap((e) => (e.file ? [e.file] : []));
  }

  /** The body, at most 1 MiB at a time; `sent` hears each chunk's length as it is handed over. */
  async *body(sent: (n: number) => void = () => {}): AsyncGenerator<Uint8Array> {
    const emit = (b: Uint8Array) => {
      sent(b.byteLength);
      return b;
    };
    for (const e of this.encoded) {
      yield emit(e.head);
      if (e.value) yield emit(e.value);
      if (e.file) {
        let read = 0;
        for await (const chunk of fs.createReadStream(e.file, { highWaterMark: CHUNK })) {
          read += (chunk as Buffer).length;
          if (read > e.size) break;
          yield emit(chunk as Buffer);
        }
        // The length was promised in Content-Length: a file that changed size mid-upload is an error.
        if (read !== e.size)
          throw new Error(`${e.file} changed size during the upload (${e.size} bytes when it started, ${read} now)`);
      }
      yield emit(Buffer.from('\r\n'));
    }
    yield emit(Buffer.from(`--${this.boundary}--\r\n`));
  }
}

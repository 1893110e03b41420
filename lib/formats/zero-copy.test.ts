import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toAutoencoder } from './architecture';
import { LARGE_PAYLOAD } from './bytes-write';
import { EXPORT_FORMATS } from './export';
import { exportAutoencoder, exportAutoencoderChunks } from './export-write';
import { readCheckpoint } from './torch-read';

// Issue 14: a 391 MB export peaked at 6× the file because every weight was copied on the way
// (toAutoencoder, then each nested writer). These pin where the bytes must not be copied.
const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'ae-256-128-64-32-16.pth');
const fileBytes = (): Uint8Array => new Uint8Array(fs.readFileSync(FIXTURE));
const metadata = { model_id: 'm1', age_group_min: 3, age_group_max: 4, final_loss: 0.25 };

describe('weights are read and written without copies', () => {
  it("toAutoencoder's float32 weights are views of the checkpoint's bytes; unaligned bytes are copied", () => {
    const file = fileBytes();
    const ae = toAutoencoder(readCheckpoint(file));
    for (const l of ae.layers) {
      expect(l.weight.buffer).toBe(file.buffer);
      expect(l.bias.buffer).toBe(file.buffer);
    }
    // The same file one byte into its buffer: no float32 view can start there, so each is a copy.
    const shifted = new Uint8Array(file.length + 1).subarray(1);
    shifted.set(file);
    const copied = toAutoencoder(readCheckpoint(shifted));
    copied.layers.forEach((l, i) => {
      expect(l.weight.buffer).not.toBe(shifted.buffer);
      expect(Array.from(l.weight)).toEqual(Array.from(ae.layers[i].weight));
    });
  });

  it.each(EXPORT_FORMATS.map((f) => [f]))('%s: the chunks reference every weight and join to the file', (format) => {
    const ae = toAutoencoder(readCheckpoint(fileBytes()));
    const { chunks } = exportAutoencoderChunks(ae, format, metadata);
    const parts = chunks.chunks();
    // Each large weight matrix is one of the pieces, as the very same memory (small ones are copied).
    const large = ae.layers.filter((l) => l.weight.byteLength >= LARGE_PAYLOAD);
    expect(large.length).toBeGreaterThanOrEqual(4);
    for (const l of large) {
      const ref = parts.find((p) => p.buffer === l.weight.buffer && p.byteOffset === l.weight.byteOffset);
      expect(ref?.byteLength, l.name).toBe(l.weight.byteLength);
    }
    const joined = Buffer.concat(parts);
    expect(joined.length).toBe(chunks.length);
    expect(joined.equals(exportAutoencoder(ae, format, metadata).bytes)).toBe(true);
  });
});

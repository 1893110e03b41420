/** One entry point for the export writers. Pure: bytes in memory, no I/O. */
import { ModelExportError } from './errors';
import type { Autoencoder } from './types';
import { concatBytes, type ByteChunks } from './bytes-write';
import {
  EXPORT_FILE_TYPES,
  type ExportFormat,
  type ExportMetadata,
  type ExportOptions,
  type ExportResult,
} from './export';
import { writeOnnxChunks } from './onnx-write';
import { writeTorchCheckpointChunks } from './torch-write';
import { writeDrawbridgePickleChunks } from './drawbridge-pickle';
import { writeAutoencoderSafetensorsChunks } from './safetensors';

function stringify(metadata: ExportMetadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) out[k] = v === null ? '' : String(v);
  return out;
}

/** Serialises the autoencoder in `format`. Throws ModelExportError (code export_bad_format, …). */
export function exportAutoencoder(
  ae: Autoencoder,
  format: ExportFormat,
  metadata: ExportMetadata,
  opts: ExportOptions = {},
): ExportResult {
  const { chunks, mediaType, extension } = exportAutoencoderChunks(ae, format, metadata, opts);
  return { bytes: concatBytes(chunks.chunks()), mediaType, extension };
}

/**
 * exportAutoencoder without assembling the file: its bytes in order, the weights as views of `ae`
 * (nothing copied), for a caller that streams them into a store or a file (hashing on the way).
 * `ae` must not change until they are written.
 */
export function exportAutoencoderChunks(
  ae: Autoencoder,
  format: ExportFormat,
  metadata: ExportMetadata,
  opts: ExportOptions = {},
): { chunks: ByteChunks; mediaType: string; extension: string } {
  let chunks: ByteChunks;
  switch (format) {
    case 'onnx':
      chunks = writeOnnxChunks(ae, { opset: opts.opset, metadata: stringify(metadata) });
      break;
    case 'pytorch':
      chunks = writeTorchCheckpointChunks(ae, metadata);
      break;
    case 'pickle':
      chunks = writeDrawbridgePickleChunks(ae, metadata);
      break;
    case 'safetensors':
      chunks = writeAutoencoderSafetensorsChunks(ae, stringify(metadata));
      break;
    default:
      throw new ModelExportError('export_bad_format', `unsupported export format ${JSON.stringify(format)}`, {
        format,
      });
  }
  return { chunks, ...EXPORT_FILE_TYPES[format] };
}

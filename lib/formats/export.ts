/**
 * One entry point for the export formats. Pure: bytes in memory, no I/O.
 *
 * Metadata handling per format:
 *   onnx        metadata_props (values stringified; null → "")
 *   pytorch     checkpoint["metadata"] (non-integer numbers become strings, see torch-write.ts)
 *   pickle      metadata dict (ints, floats, str, bool, None kept)
 *   safetensors __metadata__ (values stringified; null → "")
 */
import { ModelExportError } from './errors';
import type { Autoencoder } from './types';
import { concatBytes, type ByteChunks } from './bytes-write';
import { writeOnnxChunks } from './onnx-write';
import { writeTorchCheckpointChunks } from './torch-write';
import { writeDrawbridgePickleChunks } from './drawbridge-pickle';
import { writeAutoencoderSafetensorsChunks } from './safetensors';

export const EXPORT_FORMATS = ['onnx', 'pytorch', 'pickle', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type ExportMetadata = Record<string, string | number | boolean | null>;

export type ExportOptions = {
  /** ONNX opset (default 17). */
  opset?: number;
};

export type ExportResult = {
  bytes: Uint8Array;
  mediaType: string;
  /** With the dot: ".onnx", ".pth", ".pkl", ".safetensors". */
  extension: string;
};

export const EXPORT_FILE_TYPES: Record<ExportFormat, { mediaType: string; extension: string }> = {
  onnx: { mediaType: 'application/onnx', extension: '.onnx' },
  pytorch: { mediaType: 'application/octet-stream', extension: '.pth' },
  pickle: { mediaType: 'application/octet-stream', extension: '.pkl' },
  safetensors: { mediaType: 'application/octet-stream', extension: '.safetensors' },
};

export function isExportFormat(v: unknown): v is ExportFormat {
  return typeof v === 'string' && (EXPORT_FORMATS as readonly string[]).includes(v);
}

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

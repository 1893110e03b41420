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
import { writeOnnx } from './onnx-write';
import { writeTorchCheckpoint } from './torch-write';
import { writeDrawbridgePickle } from './drawbridge-pickle';
import { writeAutoencoderSafetensors } from './safetensors';

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
  let bytes: Uint8Array;
  switch (format) {
    case 'onnx':
      bytes = writeOnnx(ae, { opset: opts.opset, metadata: stringify(metadata) });
      break;
    case 'pytorch':
      bytes = writeTorchCheckpoint(ae, metadata);
      break;
    case 'pickle':
      bytes = writeDrawbridgePickle(ae, metadata);
      break;
    case 'safetensors':
      bytes = writeAutoencoderSafetensors(ae, stringify(metadata));
      break;
    default:
      throw new ModelExportError('export_bad_format', `unsupported export format ${JSON.stringify(format)}`, {
        format,
      });
  }
  return { bytes, ...EXPORT_FILE_TYPES[format] };
}

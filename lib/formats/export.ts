/**
 * The export formats: names, file types and options. No code over bytes, so a list or a command
 * that only names a format loads none of the writers (export-write.ts holds them).
 *
 * Metadata handling per format (see export-write.ts):
 *   onnx        metadata_props (values stringified; null → "")
 *   pytorch     checkpoint["metadata"] (non-integer numbers become strings, see torch-write.ts)
 *   pickle      metadata dict (ints, floats, str, bool, None kept)
 *   safetensors __metadata__ (values stringified; null → "")
 */

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

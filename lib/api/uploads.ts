import { maxArtifactBytes } from '../config';
import { ArtifactError, type ArtifactStore, type StoredArtifact } from '../storage/types';
import { ApiError } from './errors';
import { multipartBoundary, readMultipart } from './multipart';
import { MAX_JSON_BYTES, checkContentLength } from './params';
import { checkFormField } from './input-guard';

export type StoredUpload = StoredArtifact & { originalName?: string };

export type UploadForm = { fields: Record<string, string>; files: Record<string, StoredUpload> };

/** A client's file name, kept only as a label: last path segment, printable, at most 255 chars. */
export function cleanFileName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = name
    .split(/[\\/]/)
    .pop()!
    .replace(/\p{Cc}/gu, '')
    .trim();
  return base ? base.slice(0, 255) : undefined;
}

/**
 * Reads a multipart/form-data request, streaming each expected file part into the store (hashed
 * and size-limited as it arrives) and collecting the text fields. `onField` runs as each field
 * arrives, so bad metadata is refused before a large file behind it is read. Files it does not
 * expect are refused rather than stored. Storing is not recording: nothing reaches the database
 * here, so a refused request leaves at most unreferenced bytes in the content-addressed store.
 */
export async function readUploadForm(
  req: Request,
  store: ArtifactStore,
  opts: { files: readonly string[]; onField?: (name: string, value: string) => void },
): Promise<UploadForm> {
  const boundary = multipartBoundary(req.headers.get('content-type'));
  if (!boundary)
    throw new ApiError('unsupported_media_type', 'send multipart/form-data (with a boundary) or application/json');
  const maxBytes = maxArtifactBytes();
  const limit = limitText(maxBytes);
  // Refused before a byte is read when the declared body cannot fit: every file this endpoint
  // takes at the limit, plus the form fields. Within that, each file is held to the limit as it
  // streams in (the body alone cannot say which part is how large).
  const takes =
    opts.files.length === 1 ? `one file of at most ${limit}` : `${opts.files.length} files of at most ${limit} each`;
  checkContentLength(
    req,
    opts.files.length * maxBytes + MAX_JSON_BYTES,
    `what this endpoint accepts: ${takes} (DRAWBRIDGE_MAX_ARTIFACT_MB) plus ${MAX_JSON_BYTES / 1024 / 1024} MB of form fields`,
  );
  const fields: Record<string, string> = {};
  const files: Record<string, StoredUpload> = {};
  for await (const part of readMultipart(req.body, boundary)) {
    // A file field is a file even when the client sent no filename (undici omits an empty one).
    if (part.filename === undefined && !opts.files.includes(part.name)) {
      if (part.name in fields) throw new ApiError('invalid_multipart', `form field "${part.name}" is sent twice`);
      fields[part.name] = await part.text(MAX_JSON_BYTES);
      checkFormField(part.name, fields[part.name]); // NUL in a text field: 400 naming it, not a database 500
      opts.onField?.(part.name, fields[part.name]);
      continue;
    }
    if (!opts.files.includes(part.name)) {
      throw new ApiError(
        'unexpected_file',
        `unexpected file field "${part.name}"; this endpoint takes ${opts.files.map((f) => `"${f}"`).join(', ')}`,
      );
    }
    if (part.name in files) throw new ApiError('invalid_multipart', `file field "${part.name}" is sent twice`);
    const stored = await store.put(part.body, { maxBytes }).catch((e: unknown) => {
      // Reworded to name the field and the setting (the store knows neither).
      if (e instanceof ArtifactError && e.code === 'artifact_too_large') {
        throw new ArtifactError(
          'artifact_too_large',
          `the "${part.name}" file is larger than the ${limit} limit (DRAWBRIDGE_MAX_ARTIFACT_MB)`,
        );
      }
      throw e;
    });
    files[part.name] = { ...stored, originalName: cleanFileName(part.filename) };
  }
  return { fields, files };
}

/** The artifact limit in the unit the operator sets it in (DRAWBRIDGE_MAX_ARTIFACT_MB): "512 MB". */
export function limitText(maxBytes: number): string {
  return `${+(maxBytes / 1024 / 1024).toFixed(3)} MB`;
}

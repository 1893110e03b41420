/** Files named on the command line: read, checked and hashed before anything is stored. */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import { maxArtifactBytes } from '../lib/config';
import { isModelDeploymentError, ModelDeploymentError, unreadableError } from '../lib/formats/errors';
import { ArtifactError } from '../lib/storage/types';
import { UsageError } from './args';

function unreadable(file: string, option: string, e: unknown, command: string): UsageError {
  const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
  return new UsageError(`cannot read ${option} ${file}: ${why}`, command);
}

/** The file's size; a usage error when it is missing or not a regular file. */
export async function checkReadableFile(file: string, option: string, command: string): Promise<number> {
  let st;
  try {
    st = await fsp.stat(file);
  } catch (e) {
    throw unreadable(file, option, e, command);
  }
  if (!st.isFile()) throw new UsageError(`${option} ${file} is not a file`, command);
  return st.size;
}

/** The whole file and its SHA-256, refused (artifact_too_large) past the store's limit. */
export async function checkedBytes(
  file: string,
  option: string,
  command: string,
): Promise<{ bytes: Uint8Array; sha256: string }> {
  const bytes = await readCheckedFile(file, option, command);
  return { bytes, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}

/** The whole file, refused (artifact_too_large) past the store's limit. */
export async function readCheckedFile(file: string, option: string, command: string): Promise<Uint8Array> {
  const size = await checkReadableFile(file, option, command);
  const max = maxArtifactBytes();
  if (size > max)
    throw new ArtifactError(
      'artifact_too_large',
      `${option} ${file} is ${size} bytes; the store accepts at most ${max} (DRAWBRIDGE_MAX_ARTIFACT_MB)`,
    );
  const buf = await fsp.readFile(file);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export async function readJsonFile(file: string, option: string, command: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw unreadable(file, option, e, command);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelDeploymentError('invalid_request', `${option} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function readObjectFile(file: string, option: string, command: string): Promise<Record<string, unknown>> {
  const raw = await readJsonFile(file, option, command);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ModelDeploymentError('invalid_request', `${option} ${file} must hold a JSON object`);
  return raw as Record<string, unknown>;
}

/**
 * Writes bytes (one buffer, or pieces in order) through a temporary file renamed into place: never a
 * half-written artifact at `dest`.
 */
export async function writeFileAtomic(
  dest: string,
  bytes: Uint8Array | readonly Uint8Array[],
  option = '--out',
): Promise<void> {
  const tmp = `${dest}.${process.pid}.part`;
  try {
    await fsp.writeFile(tmp, bytes);
    await fsp.rename(tmp, dest);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw new UsageError(`cannot write ${option} ${dest}: ${(e as Error).message}`);
  }
}

export function baseName(p: string): string {
  return p.split(/[\\/]/).pop() || p;
}

/**
 * Runs one of our readers over a file's bytes. The readers refuse bad input with a coded error; any
 * other failure on hostile bytes is still a refusal of those bytes (`<what>_unreadable`, as the API
 * answers), not a crash.
 */
export function readWith<T>(what: 'checkpoint' | 'validation set', file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (isModelDeploymentError(e)) throw e;
    throw unreadableError(what, `the ${what} ${file} could not be read: ${(e as Error).message}`);
  }
}

/**
 * Read a PyTorch checkpoint (torch.save zip format) without executing anything.
 *
 * Archive rules: every entry lives under one prefix directory `<p>/`; `<p>/data.pkl` is required;
 * allowed besides it: `<p>/data/<key>` (storages), `<p>/version`, `<p>/byteorder` (must be
 * "little"), `<p>/.data/version`, `<p>/.data/serialization_id`, `<p>/.format_version`,
 * `<p>/.storage_alignment`. Anything else (e.g. TorchScript's `code/`, `constants.pkl`) →
 * `not_a_checkpoint`. Every entry is inflated and CRC-checked even if unreferenced: a file is
 * accepted whole or not at all.
 *
 * Layouts: 'original' = a dict with `model_state_dict` (+ optional `model_architecture`,
 * `training_config`, `metadata` dicts; other keys such as `optimizer_state_dict`, `epoch` are parsed
 * under the same allowlist and then ignored), or 'state_dict' = a dict whose values are all tensors.
 *
 * The legacy (pre-1.6, non-zip) format is recognised by its magic number and refused with
 * `legacy_torch_format`. Anything else → `not_a_checkpoint`.
 */
import { ModelValidationError } from './errors';
import type { Checkpoint, PlainValue, StateDict } from './types';
import { openZip, looksLikeZip, type ZipReadOptions } from './zip';
import { PyDict, TensorValue, toPlain, unpickle, type PyValue } from './pickle-read';

export type ReadCheckpointOptions = {
  /** Cap on total inflated bytes (and per entry): the artifact limit. Default 2 GiB. */
  maxInflatedBytes?: number;
  /** Bound on inflated ÷ compressed size (see ZipReadOptions). Default 100. */
  maxCompressionRatio?: number;
};

/** PROTO n, LONG1 10 bytes: 0x1950a86a20f9469cfc6c, the magic number legacy torch.save writes first. */
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export function isLegacyTorchFormat(bytes: Uint8Array): boolean {
  if (bytes.length < 2 + LEGACY_MAGIC.length || bytes[0] !== 0x80) return false;
  return LEGACY_MAGIC.every((b, i) => bytes[2 + i] === b);
}

const notCheckpoint = (why: string): never => {
  throw new ModelValidationError('not_a_checkpoint', `not a PyTorch checkpoint: ${why}`);
};

const ALLOWED_META = new Set([
  'version',
  'byteorder',
  '.data/version',
  '.data/serialization_id',
  '.format_version',
  '.storage_alignment',
]);

/**
 * Parse and validate a checkpoint. Contiguous tensors of stored (uncompressed) entries are zero-copy
 * views into `bytes`: do not mutate `bytes` while the result is in use.
 */
export function readCheckpoint(bytes: Uint8Array, opts: ReadCheckpointOptions = {}): Checkpoint {
  if (isLegacyTorchFormat(bytes)) {
    throw new ModelValidationError(
      'legacy_torch_format',
      'this checkpoint uses the legacy (pre-1.6) PyTorch format, which cannot be read safely; ' +
        're-save with torch.save(..., _use_new_zipfile_serialization=True)',
    );
  }
  if (!looksLikeZip(bytes)) notCheckpoint('not a zip archive (torch.save writes a zip since PyTorch 1.6)');
  const zipOpts: ZipReadOptions = {};
  if (opts.maxInflatedBytes !== undefined) zipOpts.maxTotalBytes = opts.maxInflatedBytes;
  if (opts.maxCompressionRatio !== undefined) zipOpts.maxCompressionRatio = opts.maxCompressionRatio;
  const zip = openZip(bytes, zipOpts);

  // One prefix for everything.
  let prefix: string | null = null;
  for (const e of zip.entries) {
    const slash = e.name.indexOf('/');
    if (slash <= 0) notCheckpoint(`entry ${JSON.stringify(e.name)} is not inside an archive directory`);
    const p = e.name.slice(0, slash + 1);
    if (prefix === null) prefix = p;
    else if (p !== prefix) notCheckpoint(`entries under both ${JSON.stringify(prefix)} and ${JSON.stringify(p)}`);
  }
  if (prefix === null) notCheckpoint('empty archive');
  const pre = prefix as string;

  const contents = new Map<string, Uint8Array>();
  for (const e of zip.entries) {
    const rel = e.name.slice(pre.length);
    if (e.isDirectory) continue;
    const ok = rel === 'data.pkl' || ALLOWED_META.has(rel) || /^data\/[^/]+$/.test(rel);
    if (!ok) {
      const hint =
        rel === 'constants.pkl' || rel.startsWith('code/')
          ? ' (this looks like a TorchScript archive; save the state dict instead)'
          : '';
      notCheckpoint(`unexpected entry ${JSON.stringify(e.name)}${hint}`);
    }
    contents.set(rel, zip.read(e.name)); // inflates + CRC-checks every entry
  }
  const pkl = contents.get('data.pkl');
  if (!pkl) notCheckpoint(`no ${pre}data.pkl`);

  const byteorder = contents.get('byteorder');
  if (byteorder) {
    const s = new TextDecoder().decode(byteorder).trim();
    if (s !== 'little') {
      throw new ModelValidationError(
        'unsupported_byteorder',
        `checkpoint byte order is ${JSON.stringify(s)}; only little-endian checkpoints are supported`,
      );
    }
  }
  const version = contents.get('version');
  if (version && !/^\d+\s*$/.test(new TextDecoder().decode(version))) notCheckpoint('bad version record');

  const root = unpickle(pkl as Uint8Array, {
    loadStorage: (key) => {
      const data = contents.get(`data/${key}`);
      if (!data)
        throw new ModelValidationError(
          'storage_missing',
          `storage ${JSON.stringify(key)} is referenced but ${pre}data/${key} is missing`,
          { storage: key },
        );
      return data;
    },
  });
  const ckpt = toCheckpoint(root);
  checkStateDictFitsStorages(ckpt, contents);
  return ckpt;
}

/**
 * Parameters of one model never share storage, so the state dict's zero-copy views cannot honestly
 * need more bytes than the file's storages hold; views aliasing one storage many times would
 * multiply every later conversion (float32 copies, export writing) far beyond the upload's size.
 * (Gathered copies of non-contiguous views are already bounded by the unpickler.)
 */
function checkStateDictFitsStorages(ckpt: Checkpoint, contents: Map<string, Uint8Array>): void {
  let storageBytes = 0;
  for (const [rel, data] of contents) if (rel.startsWith('data/')) storageBytes += data.length;
  let tensorBytes = 0;
  for (const t of ckpt.stateDict.values()) if (!(t instanceof TensorValue && t.gathered)) tensorBytes += t.bytes.length;
  if (tensorBytes > storageBytes) {
    throw new ModelValidationError(
      'tensor_too_large',
      `the state dict's tensors need ${tensorBytes} bytes but the checkpoint's storages hold ${storageBytes}: tensors alias the same storage`,
      { needed: tensorBytes, storageBytes },
    );
  }
}

function stateDictFrom(d: PyDict, where: string): StateDict {
  const sd: StateDict = new Map();
  for (const [k, v] of d.map) {
    if (!(v instanceof TensorValue)) return notCheckpoint(`${where} entry ${JSON.stringify(k)} is not a tensor`);
    sd.set(k, v);
  }
  return sd;
}

function plainDict(v: PyValue | undefined, what: string): { [key: string]: PlainValue } | undefined {
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof PyDict)) notCheckpoint(`${what} is not a dict`);
  return toPlain(v) as { [key: string]: PlainValue };
}

/** Classify an unpickled top-level value as a checkpoint (exported for other readers of pickles). */
export function toCheckpoint(root: PyValue): Checkpoint {
  if (!(root instanceof PyDict)) notCheckpoint('the top-level object is not a dict');
  const top = root as PyDict;
  const msd = top.map.get('model_state_dict');
  if (msd !== undefined) {
    if (!(msd instanceof PyDict)) notCheckpoint('model_state_dict is not a dict');
    const ckpt: Checkpoint = { layout: 'original', stateDict: stateDictFrom(msd as PyDict, 'model_state_dict') };
    const arch = plainDict(top.map.get('model_architecture'), 'model_architecture');
    const cfg = plainDict(top.map.get('training_config'), 'training_config');
    const meta = plainDict(top.map.get('metadata'), 'metadata');
    if (arch) ckpt.modelArchitecture = arch;
    if (cfg) ckpt.trainingConfig = cfg;
    if (meta) ckpt.metadata = meta;
    return ckpt;
  }
  if (top.map.size === 0) notCheckpoint('the top-level dict is empty');
  for (const [k, v] of top.map) {
    if (!(v instanceof TensorValue)) {
      notCheckpoint(
        `the top-level dict has no model_state_dict and its entry ${JSON.stringify(k)} is not a tensor, so it is not a bare state dict either`,
      );
    }
  }
  return { layout: 'state_dict', stateDict: stateDictFrom(top, 'state dict') };
}

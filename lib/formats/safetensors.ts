/**
 * safetensors (https://github.com/huggingface/safetensors) reader and writer.
 *
 * Layout: u64 LE header size N, N bytes of UTF-8 JSON (an object; trailing spaces allowed), then
 * the data buffer. Each tensor entry is {"dtype", "shape", "data_offsets": [begin, end]} relative
 * to the data buffer; "__metadata__" is an optional string → string map.
 *
 * The reader validates everything (ModelValidationError):
 *   safetensors_truncated         file shorter than 8 bytes or than its declared header
 *   safetensors_header_too_large  N above opts.maxHeaderSize (default 100 MB)
 *   safetensors_bad_header        not UTF-8, not '{' first, bad or duplicate-key JSON, not an
 *                                 object, entry not {dtype, shape, data_offsets}
 *   safetensors_bad_metadata      __metadata__ not an object of strings
 *   safetensors_bad_dtype         dtype not one of F32 F16 BF16 F64 I64 I32 U8 BOOL
 *   safetensors_bad_shape         shape not an array of non-negative integers
 *   safetensors_bad_offsets       offsets not integers, begin > end, first begin ≠ 0, gap,
 *                                 overlap, or last end ≠ data length (details.reason says which)
 *   safetensors_shape_mismatch    numel × dtype size ≠ end − begin
 */
import { ModelExportError, ModelValidationError } from './errors';
import type { Autoencoder, DType, StateDict } from './types';
import { architectureRecord, autoencoderStateDict, checkTensor } from './autoencoder-tensors';
import { dtypeSize } from './dtype';
import { ByteWriter, concatBytes, utf8, type ByteChunks } from './bytes-write';

export const SAFETENSORS_DTYPES: Record<string, DType> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  U8: 'uint8',
  BOOL: 'bool',
};

const DTYPE_TO_ST: Record<DType, string> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
};

export const SAFETENSORS_MAX_HEADER_DEFAULT = 100_000_000;

export type SafetensorsReadOptions = {
  /** Maximum header size in bytes (default 100 MB). */
  maxHeaderSize?: number;
};

export type SafetensorsFile = {
  /** Tensors in data order (ascending offsets). Each `bytes` is a copy. */
  tensors: StateDict;
  metadata: Record<string, string>;
};

// ---------------------------------------------------------------------------------------------
// Writer

/**
 * Writes tensors in the Map's order, contiguous from offset 0, header padded with spaces so the
 * data buffer starts at a multiple of 8. `__metadata__` is written only when non-empty.
 */
export function writeSafetensors(tensors: StateDict, metadata: Record<string, string> = {}): Uint8Array {
  return concatBytes(writeSafetensorsChunks(tensors, metadata).chunks());
}

/** writeSafetensors as pieces: the tensors' bytes are referenced, not copied. */
export function writeSafetensorsChunks(tensors: StateDict, metadata: Record<string, string> = {}): ByteChunks {
  // Built by hand: JSON.stringify of an object would move integer-like keys first.
  const parts: string[] = [];
  const metaEntries = Object.entries(metadata);
  for (const [k, v] of metaEntries) {
    if (typeof v !== 'string')
      throw new ModelExportError('export_bad_metadata', `safetensors metadata ${k} must be a string`);
  }
  if (metaEntries.length) {
    parts.push(
      `"__metadata__":{${metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
    );
  }
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || name === '')
      throw new ModelExportError('export_bad_tensor', `bad tensor name ${JSON.stringify(name)}`);
    checkTensor(name, t);
    const info = { dtype: DTYPE_TO_ST[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + t.bytes.length] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += t.bytes.length;
  }
  let json = utf8(`{${parts.join(',')}}`);
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  if (pad) {
    const padded = new Uint8Array(json.length + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const w = new ByteWriter(8 + json.length);
  w.u64(json.length).bytes(json);
  for (const t of tensors.values()) w.bytes(t.bytes);
  return w;
}

/**
 * The autoencoder's state dict as safetensors; `__metadata__` gets `format: "pt"`,
 * `model_architecture` (JSON string {input_dim, hidden_dims, model_type}) and the caller's entries.
 */
export function writeAutoencoderSafetensors(ae: Autoencoder, metadata: Record<string, string>): Uint8Array {
  return concatBytes(writeAutoencoderSafetensorsChunks(ae, metadata).chunks());
}

/** writeAutoencoderSafetensors as pieces (views of the weights). */
export function writeAutoencoderSafetensorsChunks(ae: Autoencoder, metadata: Record<string, string>): ByteChunks {
  return writeSafetensorsChunks(autoencoderStateDict(ae), {
    format: 'pt',
    model_architecture: JSON.stringify(architectureRecord(ae)),
    ...metadata,
  });
}

// ---------------------------------------------------------------------------------------------
// Strict JSON (duplicate keys refused, key order kept, integer syntax tracked)

class JObj {
  readonly entries = new Map<string, JVal>();
}
class JNum {
  readonly value: number;
  readonly integer: boolean;
  constructor(value: number, integer: boolean) {
    this.value = value;
    this.integer = integer;
  }
}
type JVal = null | boolean | string | JNum | JVal[] | JObj;

function badHeader(msg: string, details: Record<string, unknown> = {}): never {
  throw new ModelValidationError('safetensors_bad_header', `invalid safetensors header: ${msg}`, details);
}

function parseStrictJson(text: string): JVal {
  let i = 0;
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (msg: string): never => badHeader(`${msg} at ${i}`);
  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else fail('bad escape');
        start = i;
      } else i++;
    }
  };
  const parseValue = (depth: number): JVal => {
    if (depth > 64) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = new JObj();
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected key');
        const k = parseString();
        if (obj.entries.has(k)) badHeader(`duplicate key ${JSON.stringify(k)}`, { key: k });
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        obj.entries.set(k, parseValue(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr: JVal[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else fail('expected "," or "]"');
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('unexpected character');
    i += m[0].length;
    return new JNum(Number(m[0]), m[2] === undefined && m[3] === undefined);
  };
  const v = parseValue(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

// ---------------------------------------------------------------------------------------------
// Reader

function offsetsError(reason: string, msg: string, details: Record<string, unknown> = {}): never {
  throw new ModelValidationError('safetensors_bad_offsets', `invalid safetensors offsets: ${msg}`, {
    reason,
    ...details,
  });
}

/** Parses and fully validates a safetensors file (see the module doc for error codes). */
export function readSafetensors(bytes: Uint8Array, opts: SafetensorsReadOptions = {}): SafetensorsFile {
  const maxHeader = opts.maxHeaderSize ?? SAFETENSORS_MAX_HEADER_DEFAULT;
  if (bytes.length < 8)
    throw new ModelValidationError('safetensors_truncated', 'safetensors file shorter than 8 bytes');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(maxHeader)) {
    throw new ModelValidationError(
      'safetensors_header_too_large',
      `safetensors header of ${n64} bytes exceeds ${maxHeader}`,
      {
        headerSize: n64.toString(),
        max: maxHeader,
      },
    );
  }
  const n = Number(n64);
  if (8 + n > bytes.length) {
    throw new ModelValidationError(
      'safetensors_truncated',
      `safetensors header of ${n} bytes runs past the end of the file`,
      { headerSize: n },
    );
  }
  if (n < 2 || bytes[8] !== 0x7b) badHeader('does not start with "{"');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return badHeader('not valid UTF-8');
  }
  // Trailing padding trimmed by a scan: / +$/ backtracks quadratically over a space run that is
  // not at the end (20 000 spaces mid-header took most of a second; the cap allows 100 MB).
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
  text = text.slice(0, end);
  const root = parseStrictJson(text);
  if (!(root instanceof JObj)) badHeader('not a JSON object');

  const metadata: Record<string, string> = {};
  type Entry = { name: string; dtype: DType; shape: number[]; begin: number; end: number };
  const entries: Entry[] = [];
  for (const [name, v] of root.entries) {
    if (name === '__metadata__') {
      if (!(v instanceof JObj))
        throw new ModelValidationError('safetensors_bad_metadata', '__metadata__ is not an object');
      for (const [k, s] of v.entries) {
        if (typeof s !== 'string')
          throw new ModelValidationError('safetensors_bad_metadata', `__metadata__.${k} is not a string`, { key: k });
        Object.defineProperty(metadata, k, { value: s, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (!(v instanceof JObj)) badHeader(`entry ${name} is not an object`, { name });
    const keys = [...v.entries.keys()].sort().join(',');
    if (keys !== 'data_offsets,dtype,shape') badHeader(`entry ${name} has keys ${keys}`, { name });
    const dt = v.entries.get('dtype');
    if (typeof dt !== 'string' || !Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, dt)) {
      throw new ModelValidationError(
        'safetensors_bad_dtype',
        `tensor ${name}: unsupported dtype ${JSON.stringify(dt)}`,
        { name },
      );
    }
    const sh = v.entries.get('shape');
    if (
      !Array.isArray(sh) ||
      !sh.every((d) => d instanceof JNum && d.integer && Number.isSafeInteger(d.value) && d.value >= 0)
    ) {
      throw new ModelValidationError(
        'safetensors_bad_shape',
        `tensor ${name}: shape is not a list of non-negative integers`,
        { name },
      );
    }
    const off = v.entries.get('data_offsets');
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => d instanceof JNum && d.integer && Number.isSafeInteger(d.value) && d.value >= 0)
    ) {
      offsetsError('syntax', `tensor ${name}: data_offsets is not [begin, end]`, { name });
    }
    const [begin, end] = (off as JNum[]).map((d) => d.value);
    if (begin > end) offsetsError('order', `tensor ${name}: begin ${begin} > end ${end}`, { name });
    entries.push({ name, dtype: SAFETENSORS_DTYPES[dt], shape: (sh as JNum[]).map((d) => d.value), begin, end });
  }

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor) {
      if (cursor === 0) offsetsError('start', `first tensor ${e.name} begins at ${e.begin}, not 0`, { name: e.name });
      if (e.begin < cursor) offsetsError('overlap', `tensor ${e.name} overlaps the previous tensor`, { name: e.name });
      offsetsError('gap', `gap of ${e.begin - cursor} bytes before tensor ${e.name}`, { name: e.name });
    }
    if (e.end > dataLen)
      offsetsError('out_of_file', `tensor ${e.name} ends at ${e.end}, past the data (${dataLen} bytes)`, {
        name: e.name,
      });
    let numel = 1;
    for (const d of e.shape) numel *= d;
    const size = dtypeSize(e.dtype);
    if (!Number.isSafeInteger(numel * size) || numel * size !== e.end - e.begin) {
      throw new ModelValidationError(
        'safetensors_shape_mismatch',
        `tensor ${e.name}: ${e.dtype}[${e.shape.join(', ')}] does not fill ${e.end - e.begin} bytes`,
        { name: e.name },
      );
    }
    cursor = e.end;
  }
  if (cursor !== dataLen) offsetsError('end', `tensors cover ${cursor} bytes of ${dataLen} data bytes`);

  const tensors: StateDict = new Map();
  for (const e of sorted) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, bytes: bytes.slice(dataStart + e.begin, dataStart + e.end) });
  }
  return { tensors, metadata };
}

/**
 * ONNX ModelProto reader (readOnnx) and its autoencoder check (onnxToAutoencoder), over the
 * hand-written protobuf codec; the writer is onnx-write.ts.
 *
 * Errors: onnx_malformed, onnx_external_data (ModelValidationError);
 * onnx_unsupported_dtype, onnx_not_autoencoder (ModelCompatibilityError).
 */
import { ModelCompatibilityError, ModelValidationError } from './errors';
import type { Autoencoder, DType, LinearLayer, StateDict, Tensor } from './types';
import { expectedLayers } from './autoencoder-tensors';
import { dtypeSize, shapeNumel } from './dtype';
import { bytesLEToFloat32 } from './bytes-write';
import {
  allLen,
  decodeFields,
  int64,
  lastFixed32,
  lastLen,
  lastVarint,
  pbString,
  ProtobufError,
  repeatedFixed,
  repeatedVarint,
  type PbField,
} from './protobuf';
import { ONNX_DTYPE } from './onnx-write';

const ONNX_TO_DTYPE = new Map<number, DType>(Object.entries(ONNX_DTYPE).map(([k, v]) => [v, k as DType]));

export type OnnxDim = number | string | null;

export type OnnxValueInfo = {
  name: string;
  /** TensorProto.DataType (0 when not a tensor type). */
  elemType: number;
  dtype: DType | null;
  /** null when the shape is unknown (no shape). */
  shape: OnnxDim[] | null;
};

export type OnnxAttributeValue = number | string | number[] | string[] | Tensor | Uint8Array | { unsupported: number };

export type OnnxNode = {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttributeValue>;
};

export type OnnxModel = {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  /** Version of the default ('' / 'ai.onnx') domain, or null. */
  opset: number | null;
  producerName: string;
  producerVersion: string;
  modelVersion: number;
  graphName: string;
  /** Graph inputs that are not initializers. */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: StateDict;
  nodes: OnnxNode[];
  metadataProps: Record<string, string>;
};

function malformedErr(msg: string): ModelValidationError {
  return new ModelValidationError('onnx_malformed', `malformed ONNX model: ${msg}`);
}

function externalErr(where: string): ModelValidationError {
  return new ModelValidationError(
    'onnx_external_data',
    `ONNX tensor ${where} refers to external data, which is not accepted`,
    {
      tensor: where,
    },
  );
}

/** Throws onnx_external_data if this TensorProto (decoded fields) uses external data. */
function checkTensorExternal(f: PbField[]): void {
  const loc = lastVarint(f, 14);
  const hasExternal = f.some((x) => x.no === 13);
  if ((loc !== undefined && loc !== 0n) || hasExternal) {
    const nameBytes = lastLen(f, 8);
    throw externalErr(nameBytes ? JSON.stringify(pbString(nameBytes)) : '(unnamed)');
  }
}

/** Scans a GraphProto (and attribute tensors/subgraphs) for external data. */
function scanGraph(graphBytes: Uint8Array, depth: number): void {
  if (depth > 16) throw malformedErr('subgraphs nested too deeply');
  const g = decodeFields(graphBytes);
  for (const t of allLen(g, 5)) checkTensorExternal(decodeFields(t));
  for (const st of allLen(g, 15)) scanSparse(st);
  for (const n of allLen(g, 1)) scanNode(n, depth);
}

function scanSparse(bytes: Uint8Array): void {
  const s = decodeFields(bytes);
  for (const t of [...allLen(s, 1), ...allLen(s, 2)]) checkTensorExternal(decodeFields(t));
}

function scanNode(bytes: Uint8Array, depth: number): void {
  for (const a of allLen(decodeFields(bytes), 5)) {
    const af = decodeFields(a);
    for (const t of [...allLen(af, 5), ...allLen(af, 10)]) checkTensorExternal(decodeFields(t));
    for (const st of [...allLen(af, 22), ...allLen(af, 23)]) scanSparse(st);
    for (const sg of [...allLen(af, 6), ...allLen(af, 11)]) scanGraph(sg, depth + 1);
  }
}

function decodeTensor(bytes: Uint8Array): { name: string; tensor: Tensor } {
  const f = decodeFields(bytes);
  checkTensorExternal(f);
  const name = pbString(lastLen(f, 8) ?? new Uint8Array());
  if (f.some((x) => x.no === 3)) throw malformedErr(`tensor ${name}: segmented tensors are not supported`);
  const dims = repeatedVarint(f, 1).map(int64);
  if (dims.some((d) => d < 0)) throw malformedErr(`tensor ${name}: negative dimension`);
  const dataType = Number(lastVarint(f, 2) ?? 0n);
  const dtype = ONNX_TO_DTYPE.get(dataType);
  if (!dtype) {
    throw new ModelCompatibilityError(
      'onnx_unsupported_dtype',
      `tensor ${name}: unsupported ONNX data type ${dataType}`,
      { name, dataType },
    );
  }
  let numel: number;
  try {
    numel = shapeNumel(dims);
  } catch {
    throw malformedErr(`tensor ${name}: too large`);
  }
  const size = dtypeSize(dtype);
  const raw = lastLen(f, 9);
  let out: Uint8Array;
  if (raw !== undefined) {
    out = raw.slice();
  } else if (dtype === 'float32') {
    out = repeatedFixed(f, 4, 4).slice();
  } else if (dtype === 'float64') {
    out = repeatedFixed(f, 10, 8).slice();
  } else if (dtype === 'int64') {
    const vals = repeatedVarint(f, 7);
    out = new Uint8Array(vals.length * 8);
    const dv = new DataView(out.buffer);
    vals.forEach((v, i) => dv.setBigUint64(i * 8, v, true));
  } else {
    const vals = repeatedVarint(f, 5);
    out = new Uint8Array(vals.length * size);
    const dv = new DataView(out.buffer);
    vals.forEach((v, i) => {
      const n = Number(BigInt.asIntN(32, v));
      if (size === 4) dv.setInt32(i * 4, n, true);
      else if (size === 2) dv.setUint16(i * 2, n & 0xffff, true);
      else dv.setUint8(i, dtype === 'bool' ? (n ? 1 : 0) : n & 0xff);
    });
  }
  if (out.length !== numel * size) {
    throw malformedErr(`tensor ${name}: ${out.length} data bytes for ${dtype}[${dims.join(', ')}]`);
  }
  return { name, tensor: { dtype, shape: dims, bytes: out } };
}

function decodeValueInfo(bytes: Uint8Array): OnnxValueInfo {
  const f = decodeFields(bytes);
  const name = pbString(lastLen(f, 1) ?? new Uint8Array());
  const type = lastLen(f, 2);
  const tensorType = type ? lastLen(decodeFields(type), 1) : undefined;
  if (!tensorType) return { name, elemType: 0, dtype: null, shape: null };
  const tf = decodeFields(tensorType);
  const elemType = Number(lastVarint(tf, 1) ?? 0n);
  const shapeBytes = lastLen(tf, 2);
  const shape = shapeBytes
    ? allLen(decodeFields(shapeBytes), 1).map((d): OnnxDim => {
        const df = decodeFields(d);
        const v = lastVarint(df, 1);
        if (v !== undefined) return int64(v);
        const p = lastLen(df, 2);
        return p !== undefined ? pbString(p) : null;
      })
    : null;
  return { name, elemType, dtype: ONNX_TO_DTYPE.get(elemType) ?? null, shape };
}

function decodeAttribute(bytes: Uint8Array): [string, OnnxAttributeValue] {
  const f = decodeFields(bytes);
  const name = pbString(lastLen(f, 1) ?? new Uint8Array());
  let type = Number(lastVarint(f, 20) ?? 0n);
  if (type === 0) {
    // Old writers omit `type`: infer from the field present.
    const byField: Record<number, number> = { 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6, 8: 7, 9: 8, 10: 9, 11: 10 };
    for (const x of f) if (byField[x.no]) type = byField[x.no];
  }
  const f32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
  const str = (b: Uint8Array): string | Uint8Array => {
    try {
      return pbString(b);
    } catch {
      return b.slice();
    }
  };
  switch (type) {
    case 1: {
      const b = lastFixed32(f, 2);
      return [name, b ? f32(b) : 0];
    }
    case 2:
      return [name, int64(lastVarint(f, 3) ?? 0n)];
    case 3:
      return [name, str(lastLen(f, 4) ?? new Uint8Array())];
    case 4: {
      const t = lastLen(f, 5);
      if (!t) throw malformedErr(`attribute ${name}: missing tensor`);
      return [name, decodeTensor(t).tensor];
    }
    case 6: {
      const raw = repeatedFixed(f, 7, 4);
      const out: number[] = [];
      for (let i = 0; i < raw.length; i += 4) out.push(f32(raw.subarray(i, i + 4)));
      return [name, out];
    }
    case 7:
      return [name, repeatedVarint(f, 8).map(int64)];
    case 8:
      return [name, allLen(f, 9).map((b) => pbString(b))];
    default:
      return [name, { unsupported: type }];
  }
}

function decodeNode(bytes: Uint8Array): OnnxNode {
  const f = decodeFields(bytes);
  const attributes: Record<string, OnnxAttributeValue> = Object.create(null);
  for (const a of allLen(f, 5)) {
    const [k, v] = decodeAttribute(a);
    attributes[k] = v;
  }
  return {
    name: pbString(lastLen(f, 3) ?? new Uint8Array()),
    opType: pbString(lastLen(f, 4) ?? new Uint8Array()),
    domain: pbString(lastLen(f, 7) ?? new Uint8Array()),
    inputs: allLen(f, 1).map(pbString),
    outputs: allLen(f, 2).map(pbString),
    attributes,
  };
}

/**
 * Parses an ONNX model into a summary. Refuses external data anywhere (initializers, sparse
 * initializers, attribute tensors, subgraphs, training graphs, functions) with onnx_external_data.
 */
export function readOnnx(bytes: Uint8Array): OnnxModel {
  try {
    const m = decodeFields(bytes);
    const graphBytes = lastLen(m, 7);
    if (!graphBytes) throw malformedErr('no graph');
    // External-data scan first, over everything that can hold a tensor.
    scanGraph(graphBytes, 0);
    for (const ti of allLen(m, 20)) {
      const tf = decodeFields(ti);
      for (const g of [...allLen(tf, 1), ...allLen(tf, 2)]) scanGraph(g, 1);
    }
    for (const fn of allLen(m, 25)) for (const n of allLen(decodeFields(fn), 7)) scanNode(n, 1);

    const opsetImports = allLen(m, 8).map((b) => {
      const f = decodeFields(b);
      return { domain: pbString(lastLen(f, 1) ?? new Uint8Array()), version: int64(lastVarint(f, 2) ?? 0n) };
    });
    const def = opsetImports.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
    const metadataProps: Record<string, string> = {};
    for (const b of allLen(m, 14)) {
      const f = decodeFields(b);
      const k = pbString(lastLen(f, 1) ?? new Uint8Array());
      Object.defineProperty(metadataProps, k, {
        value: pbString(lastLen(f, 2) ?? new Uint8Array()),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    const g = decodeFields(graphBytes);
    const initializers: StateDict = new Map();
    for (const t of allLen(g, 5)) {
      const { name, tensor } = decodeTensor(t);
      if (initializers.has(name)) throw malformedErr(`duplicate initializer ${name}`);
      initializers.set(name, tensor);
    }
    return {
      irVersion: int64(lastVarint(m, 1) ?? 0n),
      opsetImports,
      opset: def.length ? def[def.length - 1].version : null,
      producerName: pbString(lastLen(m, 2) ?? new Uint8Array()),
      producerVersion: pbString(lastLen(m, 3) ?? new Uint8Array()),
      modelVersion: int64(lastVarint(m, 5) ?? 0n),
      graphName: pbString(lastLen(g, 2) ?? new Uint8Array()),
      inputs: allLen(g, 11)
        .map(decodeValueInfo)
        .filter((v) => !initializers.has(v.name)),
      outputs: allLen(g, 12).map(decodeValueInfo),
      initializers,
      nodes: allLen(g, 1).map(decodeNode),
      metadataProps,
    };
  } catch (e) {
    if (e instanceof ProtobufError) throw malformedErr(e.message);
    if (e instanceof RangeError) throw malformedErr(e.message);
    throw e;
  }
}

/**
 * Maps a parsed Gemm(transB=1)/Relu chain back to the autoencoder it encodes. Throws
 * ModelCompatibilityError('onnx_not_autoencoder') when the graph is anything else.
 */
export function onnxToAutoencoder(model: OnnxModel): Autoencoder {
  const fail = (msg: string): never => {
    throw new ModelCompatibilityError('onnx_not_autoencoder', `ONNX graph is not a Drawbridge autoencoder: ${msg}`);
  };
  if (model.inputs.length !== 1) fail(`${model.inputs.length} graph inputs`);
  if (model.outputs.length !== 1) fail(`${model.outputs.length} graph outputs`);
  const input = model.inputs[0];
  if (input.dtype !== 'float32' || !input.shape || input.shape.length !== 2 || typeof input.shape[1] !== 'number') {
    fail('input is not float32 [batch, input_dim]');
  }
  const inputDim = (input.shape as OnnxDim[])[1] as number;
  const nodes = model.nodes;
  const layers: { inFeatures: number; outFeatures: number; weight: Float32Array; bias: Float32Array; relu: boolean }[] =
    [];
  let cur = input.name;
  let dim = inputDim;
  const isDefault = (d: string): boolean => d === '' || d === 'ai.onnx';
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.opType !== 'Gemm' || !isDefault(n.domain)) fail(`node ${i} is ${n.opType}, expected Gemm`);
    if (n.inputs.length !== 3 || n.inputs[0] !== cur || n.outputs.length !== 1) fail(`Gemm ${n.name} is not chained`);
    const a = n.attributes;
    const num = (k: string, dflt: number): unknown => (k in a ? a[k] : dflt);
    if (num('transA', 0) !== 0 || num('transB', 0) !== 1 || num('alpha', 1) !== 1 || num('beta', 1) !== 1) {
      fail(`Gemm ${n.name} attributes are not transB=1, alpha=beta=1`);
    }
    const W = model.initializers.get(n.inputs[1]);
    const B = model.initializers.get(n.inputs[2]);
    if (!W || !B || W.dtype !== 'float32' || B.dtype !== 'float32')
      fail(`Gemm ${n.name} weights are not float32 initializers`);
    const w = W as Tensor;
    const b = B as Tensor;
    if (w.shape.length !== 2 || w.shape[1] !== dim || b.shape.length !== 1 || b.shape[0] !== w.shape[0]) {
      fail(`Gemm ${n.name} weight shapes do not chain`);
    }
    let out = n.outputs[0];
    let relu = false;
    const next = nodes[i + 1];
    if (
      next &&
      next.opType === 'Relu' &&
      isDefault(next.domain) &&
      next.inputs.length === 1 &&
      next.inputs[0] === out &&
      next.outputs.length === 1
    ) {
      relu = true;
      out = next.outputs[0];
      i++;
    }
    layers.push({
      inFeatures: dim,
      outFeatures: w.shape[0],
      weight: bytesLEToFloat32(w.bytes),
      bias: bytesLEToFloat32(b.bytes),
      relu,
    });
    cur = out;
    dim = w.shape[0];
  }
  if (cur !== model.outputs[0].name) fail('the chain does not end at the graph output');
  if (layers.length < 2 || layers.length % 2) fail(`${layers.length} Gemm layers`);
  const hiddenDims = layers.slice(0, layers.length / 2).map((l) => l.outFeatures);
  const expected = expectedLayers(inputDim, hiddenDims);
  const named: LinearLayer[] = layers.map((l, i) => {
    const e = expected[i];
    if (l.inFeatures !== e.inFeatures || l.outFeatures !== e.outFeatures || l.relu !== e.relu)
      fail(`layer ${i} does not match ${e.name}`);
    return { name: e.name, ...l };
  });
  return {
    architecture: { modelType: 'autoencoder', inputDim, hiddenDims },
    layers: named,
    notes: [],
    sourceDType: 'float32',
  };
}

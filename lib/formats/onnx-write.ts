/**
 * ONNX ModelProto writer for the autoencoder, over the hand-written protobuf codec: IR version 8
 * (opset ≤ 18), default opset 17; the graph is a chain of `Gemm(x, W, b, transB=1)` (W [out, in]
 * exactly as PyTorch stores it) and `Relu`; weights are float32 `raw_data` initializers named like
 * the state dict (`encoder.0.weight` …); input `input` and output `output` are float32
 * [batch, input_dim] with the symbolic dim "batch". Errors: ModelExportError.
 */
import { ModelExportError } from './errors';
import type { Autoencoder, DType } from './types';
import { assertAutoencoder } from './autoencoder-tensors';
import { float32BytesLE } from './bytes-write';
import { PbWriter } from './protobuf';

/** onnx.TensorProto.DataType values. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};
export const ONNX_DEFAULT_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export type OnnxWriteOptions = {
  /** Default opset version (default 17). */
  opset?: number;
  /** Goes into ModelProto.metadata_props, in this order. */
  metadata: Record<string, string>;
  producerName?: string;
  producerVersion?: string;
  /** ModelProto.model_version (default 1). */
  modelVersion?: number;
  docString?: string;
};

function valueInfo(name: string, dims: (number | string)[]): PbWriter {
  const shape = new PbWriter();
  for (const d of dims)
    shape.message(1, typeof d === 'number' ? new PbWriter().int(1, d) : new PbWriter().string(2, d));
  const tensorType = new PbWriter().int(1, ONNX_DTYPE.float32).message(2, shape);
  return new PbWriter().string(1, name).message(2, new PbWriter().message(1, tensorType));
}

function initializer(name: string, dims: number[], data: Float32Array): PbWriter {
  const t = new PbWriter();
  for (const d of dims) t.int(1, d);
  t.int(2, ONNX_DTYPE.float32).string(8, name).bytes(9, float32BytesLE(data));
  return t;
}

function attrFloat(name: string, v: number): PbWriter {
  return new PbWriter().string(1, name).float(2, v).int(20, 1);
}
function attrInt(name: string, v: number): PbWriter {
  return new PbWriter().string(1, name).int(3, v).int(20, 2);
}

function node(op: string, name: string, inputs: string[], outputs: string[], attrs: PbWriter[] = []): PbWriter {
  const n = new PbWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, name).string(4, op);
  for (const a of attrs) n.message(5, a);
  return n;
}

/** Writes the autoencoder as an ONNX model (see module doc). Throws ModelExportError. */
export function writeOnnx(ae: Autoencoder, opts: OnnxWriteOptions): Uint8Array {
  return writeOnnxChunks(ae, opts).finish();
}

/**
 * writeOnnx as pieces: the initializers' raw_data are views of the autoencoder's weights (nothing
 * copied), for a caller that streams the model to a file or a store.
 */
export function writeOnnxChunks(ae: Autoencoder, opts: OnnxWriteOptions): PbWriter {
  assertAutoencoder(ae);
  const opset = opts.opset ?? ONNX_DEFAULT_OPSET;
  if (!Number.isSafeInteger(opset) || opset < 7 || opset > 21) {
    throw new ModelExportError('export_bad_opset', `unsupported ONNX opset ${opset} (7–21)`, { opset });
  }
  const irVersion = opset <= 18 ? ONNX_IR_VERSION : opset <= 20 ? 9 : 10;
  const dim = ae.architecture.inputDim;

  const graph = new PbWriter();
  let cur = 'input';
  ae.layers.forEach((l, i) => {
    const last = i === ae.layers.length - 1;
    const gemmOut = last && !l.relu ? 'output' : `/${l.name}/Gemm_output_0`;
    graph.message(
      1,
      node(
        'Gemm',
        `/${l.name}/Gemm`,
        [cur, `${l.name}.weight`, `${l.name}.bias`],
        [gemmOut],
        [attrFloat('alpha', 1), attrFloat('beta', 1), attrInt('transB', 1)],
      ),
    );
    cur = gemmOut;
    if (l.relu) {
      const reluOut = last ? 'output' : `/${l.name}/Relu_output_0`;
      graph.message(1, node('Relu', `/${l.name}/Relu`, [cur], [reluOut]));
      cur = reluOut;
    }
  });
  graph.string(2, 'drawbridge_autoencoder');
  for (const l of ae.layers) {
    graph.message(5, initializer(`${l.name}.weight`, [l.outFeatures, l.inFeatures], l.weight));
    graph.message(5, initializer(`${l.name}.bias`, [l.outFeatures], l.bias));
  }
  graph.message(11, valueInfo('input', ['batch', dim]));
  graph.message(12, valueInfo('output', ['batch', dim]));

  const model = new PbWriter();
  model.int(1, irVersion);
  model.string(2, opts.producerName ?? 'drawbridge');
  model.string(3, opts.producerVersion ?? '1');
  model.int(5, opts.modelVersion ?? 1);
  if (opts.docString) model.string(6, opts.docString);
  model.message(7, graph);
  model.message(8, new PbWriter().string(1, '').int(2, opset));
  for (const [k, v] of Object.entries(opts.metadata)) {
    if (typeof v !== 'string') throw new ModelExportError('export_bad_metadata', `ONNX metadata ${k} must be a string`);
    model.message(14, new PbWriter().string(1, k).string(2, v));
  }
  return model;
}

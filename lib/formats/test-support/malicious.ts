/**
 * Malformed / hostile inputs for the safetensors and ONNX readers, with the error code each must
 * raise. Generated in memory (reusable by e2e upload tests); nothing is written to disk.
 */
import { ByteWriter, utf8 } from '../bytes-write';
import { PbWriter } from '../protobuf';
import { writeOnnx } from '../onnx-write';
import { randomAutoencoder } from './autoencoders';

export type MaliciousCase = { name: string; bytes: Uint8Array; code: string };

/** A safetensors file from a raw header (object → JSON, string → as is) and a data length. */
export function rawSafetensors(header: unknown, dataLength: number, opts: { declaredSize?: bigint } = {}): Uint8Array {
  const json = utf8(typeof header === 'string' ? header : JSON.stringify(header));
  const w = new ByteWriter(8 + json.length + dataLength);
  w.u64(opts.declaredSize ?? BigInt(json.length))
    .bytes(json)
    .fill(dataLength, 0);
  return w.finish();
}

const f32 = (shape: number[], b: number, e: number): unknown => ({ dtype: 'F32', shape, data_offsets: [b, e] });

export function maliciousSafetensors(): MaliciousCase[] {
  const c = (
    name: string,
    code: string,
    header: unknown,
    dataLength: number,
    declaredSize?: bigint,
  ): MaliciousCase => ({
    name: `st-${name}.safetensors`,
    code,
    bytes: rawSafetensors(header, dataLength, { declaredSize }),
  });
  return [
    { name: 'st-empty.safetensors', code: 'safetensors_truncated', bytes: new Uint8Array(5) },
    c('header-too-large', 'safetensors_header_too_large', { a: f32([1], 0, 4) }, 4, 200_000_000n),
    c('header-size-huge', 'safetensors_header_too_large', { a: f32([1], 0, 4) }, 4, 2n ** 63n),
    c('header-past-eof', 'safetensors_truncated', { a: f32([1], 0, 4) }, 4, 1000n),
    c('header-not-object', 'safetensors_bad_header', '[1, 2]', 0),
    c('header-not-json', 'safetensors_bad_header', '{"a": ', 0),
    c(
      'header-duplicate-key',
      'safetensors_bad_header',
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      4,
    ),
    c('header-extra-field', 'safetensors_bad_header', { a: { ...(f32([1], 0, 4) as object), evil: 1 } }, 4),
    c('metadata-not-strings', 'safetensors_bad_metadata', { __metadata__: { n: 1 }, a: f32([1], 0, 4) }, 4),
    c('dtype-unknown', 'safetensors_bad_dtype', { a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1),
    c('shape-negative', 'safetensors_bad_shape', { a: f32([-1], 0, 4) }, 4),
    c('shape-float', 'safetensors_bad_shape', { a: f32([1.5], 0, 4) }, 4),
    c('offsets-reversed', 'safetensors_bad_offsets', { a: f32([1], 4, 0) }, 4),
    c('offsets-not-zero', 'safetensors_bad_offsets', { a: f32([1], 4, 8) }, 8),
    c('offsets-overlap', 'safetensors_bad_offsets', { a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12),
    c('offsets-gap', 'safetensors_bad_offsets', { a: f32([1], 0, 4), b: f32([1], 8, 12) }, 12),
    c('offsets-out-of-file', 'safetensors_bad_offsets', { a: f32([4], 0, 16) }, 8),
    c('offsets-trailing-data', 'safetensors_bad_offsets', { a: f32([1], 0, 4) }, 12),
    c('offsets-negative', 'safetensors_bad_offsets', { a: f32([1], -4, 0) }, 0),
    c('offsets-huge', 'safetensors_bad_offsets', { a: f32([1], 0, 1e300) }, 4),
    c('shape-mismatch', 'safetensors_shape_mismatch', { a: f32([2, 3], 0, 20) }, 20),
    c('shape-overflow', 'safetensors_shape_mismatch', { a: f32([2 ** 31, 2 ** 31, 2 ** 31], 0, 4) }, 4),
  ];
}

/** TensorProto with external data (data_location = EXTERNAL and/or external_data entries). */
function externalTensor(name: string, withLocation: boolean, withEntries: boolean): PbWriter {
  const t = new PbWriter().int(1, 4).int(2, 1).string(8, name);
  if (withEntries) {
    t.message(13, new PbWriter().string(1, 'location').string(2, '../../../../etc/passwd'));
    t.message(13, new PbWriter().string(1, 'length').string(2, '16'));
  }
  if (withLocation) t.int(14, 1);
  return t;
}

function modelWithGraph(graph: PbWriter): Uint8Array {
  return new PbWriter().int(1, 8).message(7, graph).message(8, new PbWriter().string(1, '').int(2, 17)).finish();
}

export function maliciousOnnx(): MaliciousCase[] {
  const good = writeOnnx(randomAutoencoder(8, [4, 2], 1), { metadata: {} });
  const constNode = (t: PbWriter): PbWriter =>
    new PbWriter()
      .string(2, 'c')
      .string(4, 'Constant')
      .message(5, new PbWriter().string(1, 'value').message(5, t).int(20, 4));
  const badRaw = new PbWriter().int(1, 4).int(2, 1).string(8, 'w').bytes(9, new Uint8Array(15));
  return [
    {
      name: 'onnx-external-location.onnx',
      code: 'onnx_external_data',
      bytes: modelWithGraph(new PbWriter().message(5, externalTensor('w', true, true))),
    },
    {
      name: 'onnx-external-entries-only.onnx',
      code: 'onnx_external_data',
      bytes: modelWithGraph(new PbWriter().message(5, externalTensor('w', false, true))),
    },
    {
      name: 'onnx-external-flag-only.onnx',
      code: 'onnx_external_data',
      bytes: modelWithGraph(new PbWriter().message(5, externalTensor('w', true, false))),
    },
    {
      name: 'onnx-external-constant.onnx',
      code: 'onnx_external_data',
      bytes: modelWithGraph(new PbWriter().message(1, constNode(externalTensor('c', true, true)))),
    },
    {
      name: 'onnx-external-subgraph.onnx',
      code: 'onnx_external_data',
      bytes: modelWithGraph(
        new PbWriter().message(
          1,
          new PbWriter().string(4, 'If').message(
            5,
            new PbWriter()
              .string(1, 'then_branch')
              .int(20, 5)
              .message(6, new PbWriter().message(5, externalTensor('s', true, true))),
          ),
        ),
      ),
    },
    { name: 'onnx-truncated.onnx', code: 'onnx_malformed', bytes: good.subarray(0, good.length - 7) },
    { name: 'onnx-garbage.onnx', code: 'onnx_malformed', bytes: utf8('this is not a protobuf at all, just text') },
    { name: 'onnx-group-wire-type.onnx', code: 'onnx_malformed', bytes: Uint8Array.from([0x0b, 0x0c]) },
    { name: 'onnx-no-graph.onnx', code: 'onnx_malformed', bytes: new PbWriter().int(1, 8).finish() },
    {
      name: 'onnx-raw-data-length.onnx',
      code: 'onnx_malformed',
      bytes: modelWithGraph(new PbWriter().message(5, badRaw)),
    },
    {
      name: 'onnx-length-overflow.onnx',
      code: 'onnx_malformed',
      bytes: Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]),
    },
    { name: 'onnx-empty.onnx', code: 'onnx_malformed', bytes: new Uint8Array(0) },
  ];
}

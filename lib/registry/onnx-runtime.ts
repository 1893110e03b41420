import 'server-only';
/**
 * Runs an ONNX artifact in onnxruntime-node (server side only), inside a task worker
 * (lib/workers/tasks.ts): inference over a big model or set must not hold the event loop. Loaded
 * lazily so workers that never run ONNX do not pay for the native module.
 */
export async function runOnnx(
  bytes: Uint8Array,
  input: Float32Array,
  batch: number,
  dim: number,
): Promise<{ output: Float32Array; ms: number }> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  try {
    // Warm once so the timing reflects inference, not kernel set-up.
    await session.run({ input: new ort.Tensor('float32', input.slice(0, dim), [1, dim]) });
    const t0 = performance.now();
    const out = await session.run({ input: new ort.Tensor('float32', input, [batch, dim]) });
    const ms = performance.now() - t0;
    const tensor = out.output ?? Object.values(out)[0];
    return { output: tensor.data as Float32Array, ms };
  } finally {
    await session.release();
  }
}

/**
 * Reads any exported or uploaded model artifact back into an Autoencoder, by format. Used by
 * validation (every export is re-parsed by our own readers) and by the browser preview.
 */
import { toAutoencoder } from './architecture';
import { readDrawbridgePickle } from './drawbridge-pickle';
import { ModelValidationError } from './errors';
import type { ExportFormat } from './export';
import { onnxToAutoencoder, readOnnx } from './onnx';
import { readSafetensors } from './safetensors';
import { readCheckpoint } from './torch-read';
import type { Autoencoder, Checkpoint, PlainValue } from './types';

export function readAutoencoderArtifact(bytes: Uint8Array, format: ExportFormat): Autoencoder {
  switch (format) {
    case 'onnx':
      return onnxToAutoencoder(readOnnx(bytes));
    case 'pytorch':
      return toAutoencoder(readCheckpoint(bytes));
    case 'pickle':
      return toAutoencoder(readDrawbridgePickle(bytes));
    case 'safetensors': {
      const { tensors, metadata } = readSafetensors(bytes);
      const ckpt: Checkpoint = { layout: 'state_dict', stateDict: tensors };
      if (metadata.model_architecture) {
        let arch: unknown;
        try {
          arch = JSON.parse(metadata.model_architecture);
        } catch {
          throw new ModelValidationError(
            'safetensors_bad_metadata',
            'safetensors __metadata__.model_architecture is not valid JSON',
          );
        }
        // "5" or "[1]" parse too, and the architecture check reads it as an object ('in' on a number
        // threw a TypeError). null declares nothing, as an absent key.
        if (arch !== null && (typeof arch !== 'object' || Array.isArray(arch))) {
          throw new ModelValidationError(
            'safetensors_bad_metadata',
            'safetensors __metadata__.model_architecture is not a JSON object',
          );
        }
        if (arch !== null) ckpt.modelArchitecture = arch as { [key: string]: PlainValue };
      }
      return toAutoencoder(ckpt);
    }
  }
}

/** Weights of two autoencoders are bit-identical (same architecture, same float32 bytes). */
export function sameWeights(a: Autoencoder, b: Autoencoder): boolean {
  if (a.architecture.inputDim !== b.architecture.inputDim) return false;
  if (a.architecture.hiddenDims.join() !== b.architecture.hiddenDims.join()) return false;
  return a.layers.every((l, i) => {
    const m = b.layers[i];
    return !!m && l.name === m.name && equalF32(l.weight, m.weight) && equalF32(l.bias, m.bias);
  });
}

function equalF32(x: Float32Array, y: Float32Array): boolean {
  if (x.length !== y.length) return false;
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

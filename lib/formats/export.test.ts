import { describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, isExportFormat, type ExportFormat } from './export';
import { exportAutoencoder } from './export-write';
import { readCheckpoint } from './torch-read';
import { toAutoencoder } from './architecture';
import { readDrawbridgePickle } from './drawbridge-pickle';
import { readSafetensors } from './safetensors';
import { onnxToAutoencoder, readOnnx } from './onnx';
import { float32ToBytesLE } from './bytes-write';
import { ModelExportError } from './errors';
import type { Autoencoder } from './types';
import { randomAutoencoder, sameBytes } from './test-support/autoencoders';

const ae = randomAutoencoder(832, [512, 256, 128, 64], 77);
const metadata = { model_id: 'm1', age_group_min: 3, age_group_max: 4, final_loss: 0.25, active: true, note: null };

function reread(format: ExportFormat, bytes: Uint8Array): { ae: Autoencoder; meta: Record<string, unknown> } {
  switch (format) {
    case 'pytorch': {
      const ck = readCheckpoint(bytes);
      return { ae: toAutoencoder(ck), meta: { ...ck.metadata } };
    }
    case 'pickle': {
      const ck = readDrawbridgePickle(bytes);
      return { ae: toAutoencoder(ck), meta: { ...ck.metadata } };
    }
    case 'safetensors': {
      const st = readSafetensors(bytes);
      return { ae: toAutoencoder({ layout: 'state_dict', stateDict: st.tensors }), meta: st.metadata };
    }
    case 'onnx': {
      const m = readOnnx(bytes);
      return { ae: onnxToAutoencoder(m), meta: m.metadataProps };
    }
  }
}

describe('exportAutoencoder', () => {
  it.each(EXPORT_FORMATS.map((f) => [f]))(
    '%s: re-read by our readers gives the exact weights and the metadata',
    (format) => {
      const r = exportAutoencoder(ae, format, metadata);
      expect(r.extension).toBe({ onnx: '.onnx', pytorch: '.pth', pickle: '.pkl', safetensors: '.safetensors' }[format]);
      expect(r.mediaType).toMatch(/^application\//);
      const back = reread(format, r.bytes);
      expect(back.ae.architecture).toEqual(ae.architecture);
      back.ae.layers.forEach((l, i) => {
        expect(l.name).toBe(ae.layers[i].name);
        expect(sameBytes(float32ToBytesLE(l.weight), float32ToBytesLE(ae.layers[i].weight))).toBe(true);
        expect(sameBytes(float32ToBytesLE(l.bias), float32ToBytesLE(ae.layers[i].bias))).toBe(true);
      });
      const expected = {
        onnx: { model_id: 'm1', age_group_min: '3', age_group_max: '4', final_loss: '0.25', active: 'true', note: '' },
        pytorch: { ...metadata, final_loss: '0.25' },
        pickle: metadata,
        safetensors: {
          model_id: 'm1',
          age_group_min: '3',
          age_group_max: '4',
          final_loss: '0.25',
          active: 'true',
          note: '',
        },
      }[format];
      expect(back.meta).toMatchObject(expected);
    },
  );

  it('rejects unknown formats and invalid models with ModelExportError codes', () => {
    expect(isExportFormat('onnx')).toBe(true);
    expect(isExportFormat('tflite')).toBe(false);
    expect(() => exportAutoencoder(ae, 'tflite' as ExportFormat, {})).toThrow(
      expect.objectContaining({ code: 'export_bad_format' }),
    );
    const broken: Autoencoder = { ...ae, layers: ae.layers.slice(1) };
    for (const f of EXPORT_FORMATS) {
      expect(() => exportAutoencoder(broken, f, {})).toThrow(ModelExportError);
      expect(() => exportAutoencoder(broken, f, {})).toThrow(expect.objectContaining({ code: 'export_invalid_model' }));
    }
    const short: Autoencoder = {
      ...ae,
      layers: ae.layers.map((l, i) => (i === 2 ? { ...l, bias: l.bias.subarray(1) } : l)),
    };
    expect(() => exportAutoencoder(short, 'onnx', {})).toThrow(
      expect.objectContaining({ code: 'export_invalid_model' }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { displayValue, fmtCompact, labelOf, plural } from './display-values';

describe('labelled values', () => {
  it('humanises any key: no snake_case reaches a person', () => {
    expect(labelOf('final_loss')).toBe('Final loss');
    expect(labelOf('onnx_opset')).toBe('ONNX opset');
    expect(labelOf('some_new_metric_ms')).toBe('Some new metric ms');
    expect(labelOf('learningRate')).toBe('Learning rate');
    expect(labelOf('inference_ms')).toBe('Latency, probe batch');
  });

  it('gives values their units and counts their nouns', () => {
    expect(displayValue('parameter_count', 1_234_567)).toEqual({ kind: 'text', text: '1.2 M parameters' });
    expect(displayValue('file_size_bytes', 4.6 * 1024 * 1024)).toEqual({ kind: 'text', text: '4.6 MiB' });
    expect(displayValue('inference_ms', 0.8)).toEqual({ kind: 'text', text: '0.8 ms' });
    expect(displayValue('training_time_seconds', 22.14)).toEqual({ kind: 'text', text: '22.1 s' });
    expect(displayValue('validation_accuracy', 0.95)).toEqual({ kind: 'text', text: '95 %' });
    expect(displayValue('checksum_verified', true)).toEqual({ kind: 'flag', ok: true, text: 'Yes' });
    expect(displayValue('final_loss', 0.000104367)).toEqual({ kind: 'text', text: '1.04e-4' });
    expect(displayValue('architecture', { input_dim: 832, hidden_dims: [128, 64] })).toEqual({
      kind: 'text',
      text: '832 → 128 → 64 (encoder)',
    });
    expect(displayValue('validation_set', { normal_samples: 85 })).toEqual({
      kind: 'group',
      entries: [['Normal samples', { kind: 'text', text: '85 samples' }]],
    });
    expect(plural(1, 'warning')).toBe('1 warning');
    expect(plural(2, 'warning')).toBe('2 warnings');
    expect(plural(0, 'error')).toBe('0 errors');
    expect(fmtCompact(45_000)).toBe('45 k');
  });
});

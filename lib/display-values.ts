/**
 * Metadata and check results as a person reads them: a label for each snake_case key and a value
 * with its unit ("1.2 M parameters", "4.6 MiB", "0.595 ms", "Yes"). Keys nobody listed still get a
 * readable label ("final_loss" → "Final loss"), so a new metric never shows up raw.
 */
import { fmtBytes, fmtDuration, fmtNumber } from './format-display';

const LABELS: Record<string, string> = {
  final_loss: 'Final loss',
  validation_accuracy: 'Validation accuracy',
  best_epoch: 'Best epoch',
  training_time_seconds: 'Training time',
  threshold_p95: 'Threshold (p95 of normal)',
  stored_checksum: 'Stored checksum',
  checksum_verified: 'Checksum verified',
  file_size_matches: 'File size as recorded',
  parsed: 'Read by Drawbridge’s own readers',
  architecture_hash_matches: 'Architecture hash as recorded',
  parameter_count_matches: 'Parameter count as recorded',
  source_checksum_verified: 'Source checkpoint checksum verified',
  weights_match_source: 'Weights equal the source checkpoint’s',
  input_dimension: 'Input dimension',
  expected_input_dimension: 'Expected input dimension',
  input_dimension_ok: 'Input dimension as expected',
  output_dimension_ok: 'Output dimension as expected',
  model_type_ok: 'Model type as expected',
  compatibility_version: 'Compatibility version',
  onnx_opset: 'ONNX opset',
  onnx_symbolic_batch: 'ONNX takes any batch size',
  probe_batch_size: 'Probe batch',
  probe_output_finite: 'Probe output finite',
  onnxruntime: 'Runtime',
  onnxruntime_max_abs_diff: 'Runtime vs source, max absolute difference',
  onnxruntime_max_rel_diff: 'Runtime vs source, max relative difference',
  onnxruntime_tolerance: 'Relative tolerance',
  onnxruntime_ok: 'Runtime agrees with the source weights',
  inference_ms: 'Latency, probe batch',
  inference_ms_per_sample: 'Latency per sample',
  format_parity: 'Other formats of the same checkpoint',
  validation_set: 'Validation set',
  samples: 'Samples',
  normal_samples: 'Normal samples',
  anomalous_samples: 'Anomalous samples',
  normal_error_median: 'Median error, normal',
  anomalous_error_median: 'Median error, anomalous',
  normal_error_p95: 'p95 error, normal',
  anomalies_above_p95: 'Anomalies above p95 of normal',
  non_finite_normal_errors: 'Non-finite errors, normal',
  threshold_finite: 'Threshold finite',
  separation_ratio: 'Separation (anomalous ÷ normal median)',
};

const WORDS: Record<string, string> = { onnx: 'ONNX', id: 'ID', ms: 'ms', p95: 'p95', sha256: 'SHA-256', mse: 'MSE' };

/** "final_loss" → "Final loss", "onnx_opset" → "ONNX opset", "learningRate" → "Learning rate". */
export function labelOf(key: string): string {
  if (LABELS[key]) return LABELS[key];
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_\s-]+/)
    .filter(Boolean)
    .map((w) => WORDS[w.toLowerCase()] ?? w.toLowerCase());
  const text = words.join(' ');
  return text ? text[0].toUpperCase() + text.slice(1) : key;
}

/** 1 234 567 → "1.2 M", 45 000 → "45 k", 832 → "832". */
export function fmtCompact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${Number((n / 1e9).toPrecision(2))} G`;
  if (a >= 1e6) return `${Number((n / 1e6).toPrecision(2))} M`;
  if (a >= 1e4) return `${Number((n / 1e3).toPrecision(3))} k`;
  return n.toLocaleString('en');
}

/** "1 warning", "2 warnings", "0 errors". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

export type DisplayValue =
  | { kind: 'text'; text: string }
  | { kind: 'mono'; text: string }
  | { kind: 'flag'; ok: boolean; text: string }
  | { kind: 'group'; entries: [string, DisplayValue][] };

/** A value for `key` in words and units; objects become nested groups of labelled values. */
export function displayValue(key: string, v: unknown): DisplayValue {
  if (v === null || v === undefined) return { kind: 'text', text: '—' };
  if (typeof v === 'boolean') return { kind: 'flag', ok: v, text: v ? 'Yes' : 'No' };
  if (typeof v === 'number') return { kind: 'text', text: numberWithUnit(key, v) };
  if (typeof v === 'string') {
    return /^[0-9a-f]{64}$/.test(v) || /(^|_)(checksum|hash|sha256)$/.test(key)
      ? { kind: 'mono', text: v }
      : { kind: 'text', text: v };
  }
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return { kind: 'text', text: v.map((x) => fmtNumber(x)).join(', ') };
    if (v.every((x) => typeof x === 'string')) return { kind: 'text', text: v.join(', ') || '—' };
    return { kind: 'text', text: plural(v.length, 'entry', 'entries') };
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.hidden_dims) && typeof o.input_dim === 'number') {
      return { kind: 'text', text: `${[o.input_dim, ...(o.hidden_dims as number[])].join(' → ')} (encoder)` };
    }
    return { kind: 'group', entries: Object.entries(o).map(([k, x]) => [labelOf(k), displayValue(k, x)]) };
  }
  return { kind: 'text', text: String(v) };
}

function numberWithUnit(key: string, v: number): string {
  if (/_bytes$/.test(key)) return fmtBytes(v);
  if (/_seconds$/.test(key)) return fmtDuration(v);
  if (/(^|_)ms(_per_sample)?$/.test(key)) return `${fmtNumber(v, 3)} ms`;
  if (/accuracy$/.test(key) && v >= 0 && v <= 1) return `${Number((v * 100).toFixed(1))} %`;
  if (key === 'parameter_count') return `${fmtCompact(v)} parameters`;
  if (key === 'probe_batch_size' || /(^|_)samples$/.test(key)) return plural(v, 'sample');
  if (key === 'best_epoch') return `epoch ${v}`;
  return Number.isInteger(v) ? v.toLocaleString('en') : fmtNumber(v);
}

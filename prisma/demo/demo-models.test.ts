/**
 * The committed demo models (prisma/demo, made by `npm run demo:train`) read with our own
 * TypeScript readers: checkpoints parse as the original layout, the validation sets parse, our
 * forward pass agrees with PyTorch's, and every model reconstructs its normal validation samples
 * clearly better than its anomalous ones. Also: the manifest's sha256/sizes match the files.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { readCheckpoint } from '@/lib/formats/torch-read';
import { toAutoencoder } from '@/lib/formats/architecture';
import { reconstructionErrors } from '@/lib/formats/forward';
import { readSafetensors } from '@/lib/formats/safetensors';

const DIR = import.meta.dirname;
const AGE_GROUPS: [number, number][] = [
  [2, 3],
  [3, 4],
  [4, 5],
  [5, 6],
  [6, 7],
  [7, 8],
  [8, 9],
  [9, 12],
];

type FileEntry = { path: string; sha256: string; size_bytes: number };
type Group = {
  age_group_min: number;
  age_group_max: number;
  job_name: string;
  environment: string;
  config_parameters: Record<string, unknown>;
  dataset_path: string;
  start_time: string;
  end_time: string;
  threshold: number;
  report: {
    final_loss: number;
    validation_accuracy: number;
    best_epoch: number;
    training_time_seconds: number;
    metrics_summary: {
      train_loss: number[];
      val_loss: number[];
      threshold_p95: number;
      normal_error_median: number;
      anomalous_error_median: number;
      [key: string]: unknown;
    };
  };
  files: { checkpoint: FileEntry; validation: FileEntry & { reconstruction_errors: number[] } };
};

const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as { groups: Group[] };

const read = (name: string) => new Uint8Array(readFileSync(path.join(DIR, name)));

/** numpy's default percentile: linear interpolation between order statistics. */
function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
const median = (v: ArrayLike<number>) => quantile(v, 0.5);

/** Little-endian float32 view of a tensor's bytes (copied, so alignment never matters). */
const f32 = (bytes: Uint8Array) => new Float32Array(bytes.slice().buffer);

describe('prisma/demo manifest', () => {
  it('lists the eight age groups in order', () => {
    expect(manifest.groups.map((g) => [g.age_group_min, g.age_group_max])).toEqual(AGE_GROUPS);
    for (const g of manifest.groups) {
      expect(g.job_name).toBe(`autoencoder-age-${g.age_group_min}-${g.age_group_max}-2026-11`);
      expect(g.environment).toBe('local');
      expect(Date.parse(g.end_time)).toBeGreaterThan(Date.parse(g.start_time));
      expect(g.report.metrics_summary.train_loss).toHaveLength(g.config_parameters.epochs as number);
      expect(g.report.metrics_summary.val_loss).toHaveLength(g.config_parameters.epochs as number);
    }
  });

  it('has sha256 and sizes that match the files', () => {
    for (const g of manifest.groups) {
      for (const f of [g.files.checkpoint, g.files.validation]) {
        const bytes = read(f.path);
        expect(bytes.length, f.path).toBe(f.size_bytes);
        expect(createHash('sha256').update(bytes).digest('hex'), f.path).toBe(f.sha256);
      }
    }
  });

  it('keeps prisma/demo under 12 MB', () => {
    const total = readdirSync(DIR).reduce((n, f) => n + statSync(path.join(DIR, f)).size, 0);
    expect(total).toBeLessThan(12_000_000);
  });
});

describe.each(manifest.groups.map((g) => [`age-${g.age_group_min}-${g.age_group_max}`, g] as const))(
  '%s',
  (_tag, g) => {
    const ckpt = readCheckpoint(read(g.files.checkpoint.path));
    const ae = toAutoencoder(ckpt);
    const st = readSafetensors(read(g.files.validation.path));
    const emb = st.tensors.get('embeddings')!;
    const lab = st.tensors.get('is_anomaly')!;

    it('reads as the original checkpoint layout and a labelled validation set', () => {
      expect(ckpt.layout).toBe('original');
      expect(ckpt.modelArchitecture).toMatchObject({
        input_dim: 832,
        hidden_dims: [128, 64],
        model_type: 'autoencoder',
      });
      expect(ckpt.trainingConfig).toMatchObject({ optimizer: 'adam', epochs: g.config_parameters.epochs });
      expect([...ckpt.stateDict.keys()]).toEqual([
        'encoder.0.weight',
        'encoder.0.bias',
        'encoder.3.weight',
        'encoder.3.bias',
        'decoder.0.weight',
        'decoder.0.bias',
        'decoder.3.weight',
        'decoder.3.bias',
      ]);
      expect(ae.architecture).toMatchObject({ inputDim: 832, hiddenDims: [128, 64] });

      expect(emb).toMatchObject({ dtype: 'float32', shape: [100, 832] });
      expect(lab).toMatchObject({ dtype: 'uint8', shape: [100] });
      expect(st.metadata.age_group_min).toBe(String(g.age_group_min));
      expect(st.metadata.age_group_max).toBe(String(g.age_group_max));
      const kinds = JSON.parse(st.metadata.anomaly_kinds) as string[];
      expect(kinds.map((k) => (k === 'normal' ? 0 : 1))).toEqual([...lab.bytes]);
      expect(lab.bytes.reduce((n, v) => n + v, 0)).toBe(15);
    });

    it('reconstructs normal samples clearly better than anomalous ones', () => {
      const n = emb.shape[0];
      const errs = reconstructionErrors(ae, f32(emb.bytes), n);

      // Our forward pass agrees with PyTorch's per-sample errors recorded at training time.
      const ref = g.files.validation.reconstruction_errors;
      for (let i = 0; i < n; i++) expect(Math.abs(errs[i] - ref[i]) / ref[i], `sample ${i}`).toBeLessThan(1e-4);

      const normal = [...errs].filter((_, i) => lab.bytes[i] === 0);
      const anomalous = [...errs].filter((_, i) => lab.bytes[i] === 1);
      const threshold = quantile(normal, 0.95);
      expect(median(anomalous)).toBeGreaterThanOrEqual(3 * median(normal));
      const above = anomalous.filter((e) => e > threshold).length;
      expect(above).toBeGreaterThanOrEqual(Math.ceil(0.8 * anomalous.length));

      // The report's numbers are the ones these files give.
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      expect(rel(threshold, g.report.metrics_summary.threshold_p95)).toBeLessThan(1e-3);
      expect(rel(median(normal), g.report.metrics_summary.normal_error_median)).toBeLessThan(1e-3);
      expect(rel(median(anomalous), g.report.metrics_summary.anomalous_error_median)).toBeLessThan(1e-3);
      const correct = [...errs].filter((e, i) => (e > threshold ? 1 : 0) === lab.bytes[i]).length;
      expect(correct / n).toBeCloseTo(g.report.validation_accuracy, 6);
    });
  },
);

/** Display helpers shared by server components. */
export function fmtNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(2);
  return Number(v.toFixed(digits)).toString();
}

export function fmtDate(d: Date | string | null | undefined): string {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function fmtBytes(n: number | bigint | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const v = Number(n);
  if (v < 1024) return `${v} B`;
  if (v < 1024 ** 2) return `${(v / 1024).toFixed(1)} KiB`;
  if (v < 1024 ** 3) return `${(v / 1024 ** 2).toFixed(1)} MiB`;
  return `${(v / 1024 ** 3).toFixed(2)} GiB`;
}

/** Age range as people say it: "2–3 years". */
export function fmtAgeRange(min: number, max: number): string {
  return `${min}–${max} years`;
}

const FORMAT_LABELS: Record<string, string> = {
  onnx: 'ONNX',
  pytorch: 'PyTorch state dict',
  pickle: 'pickle',
  safetensors: 'safetensors',
};

/** An export format as people write it: "ONNX", "PyTorch state dict". */
export function fmtFormat(format: string): string {
  return FORMAT_LABELS[format] ?? format;
}

/**
 * The name people call an export by, since model ids differ only by a timestamp:
 * "autoencoder-age-3-4-2026-11 · 3–4 years · ONNX". A direct export has no job: "Direct export".
 */
export function fmtModelName(exp: {
  trainingJob?: { jobName: string } | null;
  ageGroupMin: number;
  ageGroupMax: number;
  exportFormat: string;
}): string {
  const job = exp.trainingJob?.jobName ?? 'Direct export';
  return `${job} · ${fmtAgeRange(exp.ageGroupMin, exp.ageGroupMax)} · ${fmtFormat(exp.exportFormat)}`;
}

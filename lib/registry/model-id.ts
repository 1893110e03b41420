import 'server-only';
/** Python's str(float): 2 → "2.0", 3.5 → "3.5" — the original service's model ids use it. */
export function pyFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/**
 * `autoencoder_{min}_{max}_{YYYYMMDD_HHMMSS}` as the original; the n-th export of the same range in
 * the same second gets `_{n}` appended (n ≥ 2) so ids stay unique.
 */
export function newModelId(ageMin: number, ageMax: number, at: Date, n = 1): string {
  const iso = at.toISOString(); // 2026-11-27T07:10:00.000Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `autoencoder_${pyFloat(ageMin)}_${pyFloat(ageMax)}_${stamp}${n > 1 ? `_${n}` : ''}`;
}

export const MODEL_ID_PATTERN = /^autoencoder_\d+(?:\.\d+)?_\d+(?:\.\d+)?_\d{8}_\d{6}(?:_\d+)?$/;

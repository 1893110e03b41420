/**
 * Test helper (node only): run Debian's /usr/bin/python3 (python3-torch, python3-onnx) for
 * interop checks. Tests call `pythonModules([...])` and skip, with a printed reason, when absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const SCRIPTS_DIR = path.join(REPO_ROOT, 'scripts');

/** null when every module is importable by /usr/bin/python3, else the reason. */
export function pythonMissing(modules: string[]): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const code = `import importlib.util,sys\nm=[x for x in sys.argv[1:] if importlib.util.find_spec(x) is None]\nprint(','.join(m))`;
  const r = spawnSync(PYTHON, ['-c', code, ...modules], { encoding: 'utf8' });
  if (r.status !== 0) return `${PYTHON} failed: ${r.stderr}`;
  const missing = r.stdout.trim();
  return missing ? `${PYTHON} lacks ${missing} (install Debian's python3-torch / python3-onnx)` : null;
}

/** Runs a python script text; returns parsed JSON from its last stdout line. Throws on failure. */
export function runPython<T = unknown>(script: string, args: string[] = [], timeoutMs = 60_000): T {
  const r = spawnSync(PYTHON, ['-c', script, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, PYTHONPATH: SCRIPTS_DIR, PYTHONDONTWRITEBYTECODE: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}\n${r.stdout}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'drawbridge-formats-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function warnSkip(what: string, reason: string | null): void {
  if (reason) console.warn(`SKIPPED ${what}: ${reason}`);
}

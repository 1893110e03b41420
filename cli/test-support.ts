import { spawn } from 'node:child_process';
import path from 'node:path';

export type CliRun = { code: number | null; stdout: string; stderr: string };

/**
 * Runs the real `drawbridge` binary in local mode on `dataDir` (never a server, never a token).
 * `databaseUrl` points it at PostgreSQL instead of the embedded database.
 */
export function runCli(
  args: string[],
  opts: { cwd: string; dataDir: string; stdin?: string; databaseUrl?: string },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, 'drawbridge.mjs'), ...args], {
      cwd: opts.cwd,
      env: {
        ...process.env,
        DRAWBRIDGE_DATA_DIR: opts.dataDir,
        DATABASE_URL: opts.databaseUrl ?? '',
        DRAWBRIDGE_TOKEN: '',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript (cli/drawbridge.mjs runs it before any TypeScript loads)
import { buildBundle, bundleEntryUrl, bundlePlace, freshManifest } from './bundle.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'cli', 'drawbridge.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-startup-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Records every module Node loads (an --import hook), so a test sees what a command pulled in.
const HOOK = path.join(tmp, 'record-loads.mjs');
fs.writeFileSync(
  HOOK,
  `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import fs from 'node:fs';
export async function load(url, context, next) {
  fs.appendFileSync(process.env.RECORD_LOADS, url + '\\\\n');
  return next(url, context);
}\`));
`,
);

type Manifest = { dir: string; chunks: Record<string, string[]>; inputs: Record<string, string> };

/** Runs the real CLI and returns what it printed and every source it loaded, bundled ones by name. */
function runRecorded(args: string[], env: Record<string, string> = {}) {
  const record = path.join(tmp, `loads-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync(process.execPath, ['--import', HOOK, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, RECORD_LOADS: record, DRAWBRIDGE_DATA_DIR: path.join(tmp, 'data'), ...env },
  });
  const urls = fs.readFileSync(record, 'utf8').trim().split('\n');
  const manifest = freshManifest() as Manifest;
  const sources = urls.flatMap((u) => {
    if (!u.startsWith('file:')) return [u];
    const file = fileURLToPath(u);
    if (manifest && path.dirname(file) === manifest.dir) return manifest.chunks[path.basename(file)] ?? [file];
    return [path.relative(ROOT, file)];
  });
  return { ...r, sources };
}

const HEAVY = [/onnxruntime-node/, /@electric-sql\/pglite/, /@prisma\/client/, /pglite-prisma-adapter/, /^pg$/];

describe('drawbridge start-up', () => {
  it('--help runs from the bundle and loads no database client, onnxruntime-node or lib/formats', () => {
    const r = runRecorded(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^drawbridge — the Drawbridge model registry/);
    // From the bundle: no tsx loader, and the sources it ran are the CLI's table and parser only.
    expect(r.sources.some((s) => s.includes('node_modules/tsx/'))).toBe(false);
    expect(r.sources).toContain('cli/main.ts');
    expect(r.sources.filter((s) => s.startsWith('lib/'))).toEqual([]);
    for (const re of HEAVY) expect(r.sources.filter((s) => re.test(s))).toEqual([]);
  });

  it('a remote command loads its own chunk and no database engine; the tsx fallback prints the same', () => {
    // Nothing listens on port 9 (discard): the command fails there, after loading all it needs.
    const list = runRecorded(['exports', 'list', '--server', 'http://127.0.0.1:9', '--token', 't']);
    expect(list.stderr).toMatch(/^drawbridge: .*127\.0\.0\.1:9/);
    expect(list.status).toBe(1);
    expect(list.sources).toContain('cli/commands/models.ts');
    expect(list.sources).toContain('cli/remote.ts');
    // The command module imports the registry up front, so Prisma's client loads; its engines don't.
    for (const re of HEAVY.filter((h) => !h.test('@prisma/client')))
      expect(list.sources.filter((s) => re.test(s))).toEqual([]);

    const viaTsx = runRecorded(['--help'], { DRAWBRIDGE_CLI_BUNDLE: '0' });
    expect(viaTsx.sources.some((s) => s.includes('node_modules/tsx/'))).toBe(true);
    expect(viaTsx.sources).toContain('cli/main.ts');
    expect(viaTsx.stdout).toBe(runRecorded(['--help']).stdout);
  });

  it('exports list on the local database loads no format reader or writer and no onnxruntime-node', () => {
    const r = runRecorded(['exports', 'list', '--json']);
    expect(r.stderr).not.toMatch(/^drawbridge: /m);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).exports).toEqual([]);
    expect(r.sources).toContain('lib/registry/export-list.ts');
    // Only the formats' names and error classes: no code over bytes (issue 14, CLI start-up).
    const formats = r.sources.filter((s) => s.startsWith('lib/formats/'));
    expect(formats.filter((s) => !['lib/formats/export.ts', 'lib/formats/errors.ts'].includes(s))).toEqual([]);
    expect(r.sources.filter((s) => /onnxruntime-node|@aws-sdk|lib\/workers\/tasks/.test(s))).toEqual([]);
  });

  it('never runs a stale bundle: a changed, deleted or added source is rebuilt before it runs', async () => {
    // A checkout of its own: cli/main.ts importing a module, esbuild reached through tsx as in ours.
    const root = path.join(tmp, 'checkout');
    fs.mkdirSync(path.join(root, 'cli'), { recursive: true });
    fs.mkdirSync(path.join(root, 'node_modules'));
    for (const pkg of ['tsx', 'server-only'])
      fs.symlinkSync(path.join(ROOT, 'node_modules', pkg), path.join(root, 'node_modules', pkg));
    const write = (rel: string, text: string) => fs.writeFileSync(path.join(root, rel), text);
    write(
      'cli/main.ts',
      "import 'server-only';\nimport { answer } from './answer';\nexport const main = (): string => answer;\n",
    );
    write('cli/answer.ts', "export const answer: string = 'first';\n");
    const place = bundlePlace(root);
    const run = async () => (await import(`${await bundleEntryUrl(place)}?${Math.random()}`)).main();

    expect(freshManifest(place)).toBeNull();
    expect(await run()).toBe('first');
    const built = freshManifest(place) as Manifest;
    expect(Object.keys(built.inputs).sort()).toEqual([
      'cli/answer.ts',
      'cli/main.ts',
      'node_modules/server-only/empty.js',
    ]);
    expect(await run()).toBe('first');
    expect((freshManifest(place) as Manifest).dir).toBe(built.dir); // fresh: not rebuilt

    // Same size, same mtime granularity: only the content differs.
    write('cli/answer.ts', "export const answer: string = 'other';\n");
    expect(freshManifest(place)).toBeNull();
    expect(await run()).toBe('other');

    write('cli/answer.ts', "export { answer } from './moved';\n");
    write('cli/moved.ts', "export const answer: string = 'moved';\n");
    expect(await run()).toBe('moved');
    fs.rmSync(path.join(root, 'cli', 'moved.ts'));
    expect(freshManifest(place)).toBeNull(); // a deleted input is stale (the build now fails: no bundle)
    expect(await bundleEntryUrl(place)).toBeNull();

    // Two starts building at once each get a complete bundle; the manifest names one of them.
    write('cli/answer.ts', "export const answer: string = 'raced';\n");
    const both = await Promise.all([buildBundle(place), buildBundle(place)]);
    expect(both.map((m: Manifest) => fs.existsSync(path.join(m.dir, 'main.mjs')))).toEqual([true, true]);
    expect(both.map((m: Manifest) => m.dir)).toContain((freshManifest(place) as Manifest).dir);
    expect((await import(pathToFileURL(path.join(both[0].dir, 'main.mjs')).href)).main()).toBe('raced');
  });
});

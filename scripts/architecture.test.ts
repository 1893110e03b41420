/**
 * The architecture test: DESIGN.md's boundaries hold over the real import graph, and the checker
 * that says so finds each kind of breach when one is planted in a small tree of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImportGraph, checkArchitecture, type ImportGraph } from './import-graph';

const ROOT = path.resolve(import.meta.dirname, '..');
const planted: string[] = [];
afterAll(() => {
  for (const dir of planted) fs.rmSync(dir, { recursive: true, force: true });
});

/** A throwaway tree with these files (repo-relative path → source). */
function plantTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drawbridge-arch-'));
  planted.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const messagesOf = (at: string | ImportGraph) =>
  checkArchitecture(typeof at === 'string' ? buildImportGraph(at) : at).map((v) => `${v.rule}: ${v.message}`);

describe('architecture', () => {
  it('the tree keeps every boundary: layers, client/server, server-only markers, no cycles', () => {
    const graph = buildImportGraph(ROOT);
    // A graph this small would mean the walk missed the tree, and then nothing below could fail.
    expect(graph.files.length).toBeGreaterThan(300);
    expect(graph.edges.length).toBeGreaterThan(1000);
    expect(graph.client.size).toBeGreaterThan(20);
    expect(graph.files).toContain('lib/registry/deploy.ts');
    expect(checkArchitecture(graph).map((v) => `${v.rule}: ${v.message}`)).toEqual([]);
  });

  it('fails on a planted components/ → app/ import and on a planted cycle', () => {
    const root = plantTree({
      'components/comment-box.tsx':
        "'use client';\nimport { addThing } from '@/app/(console)/things/actions';\nexport const Box = addThing;\n",
      'app/(console)/things/actions.ts': "'use server';\nexport async function addThing() {}\n",
      'lib/registry/a.ts': "import 'server-only';\nimport { b } from './b';\nexport const a = () => b;\n",
      'lib/registry/b.ts': "import 'server-only';\nimport { a } from './a';\nexport const b = () => a;\n",
    });
    expect(messagesOf(root)).toEqual([
      'components-not-app: components/comment-box.tsx imports app/(console)/things/actions.ts: ' +
        "components/ holds shared UI; pass a route's action in as a prop",
      'no-cycles: import cycle: lib/registry/a.ts → lib/registry/b.ts → lib/registry/a.ts',
    ]);
  });

  it('the real graph fails once a components/ → app/ import or a cycle is planted in a copy of it', () => {
    const graph = buildImportGraph(ROOT);
    const withEdge = (from: string, to: string) => {
      // Both ends are real files, so the breach is judged exactly as one written in the tree would be.
      expect(graph.files).toEqual(expect.arrayContaining([from, to]));
      const before = new Set(messagesOf(graph)); // the first test holds this empty; here only the plant's own count
      return messagesOf({ ...graph, edges: [...graph.edges, { from, to, typeOnly: false }] }).filter(
        (m) => !before.has(m),
      );
    };
    expect(withEdge('components/copy-button.tsx', 'app/(console)/models/actions.ts')).toEqual([
      'components-not-app: components/copy-button.tsx imports app/(console)/models/actions.ts: ' +
        "components/ holds shared UI; pass a route's action in as a prop",
    ]);
    // users.ts imports transactions.ts; the reverse edge closes a loop.
    expect(withEdge('lib/registry/transactions.ts', 'lib/registry/users.ts')).toEqual([
      'no-cycles: import cycle: lib/registry/transactions.ts → lib/registry/users.ts → lib/registry/transactions.ts',
    ]);
    expect(graph.edges.some((e) => e.from === 'lib/registry/transactions.ts' && e.to === 'lib/registry/users.ts')).toBe(
      false,
    );
  });

  it('finds each other breach, and lets through what the compiler erases or Next.js keeps on the server', () => {
    const root = plantTree({
      'lib/errors.ts': "import { x } from './config';\nexport const e = x;\n",
      'lib/config.ts': 'export const x = 1;\n',
      'lib/formats/reader.ts':
        "import { e } from '../errors';\nimport { d } from '../registry/deploy';\nexport const r = [e, d];\n",
      'lib/registry/deploy.ts':
        "import 'server-only';\nimport { fail } from '../api/errors';\nexport const d = fail;\n",
      'lib/registry/unmarked.ts': 'export const u = 1;\n',
      'lib/registry/unmarked.test.ts':
        "import { u } from './unmarked';\nimport { fail } from '../api/errors';\nexport const t = [u, fail];\n",
      'lib/api/errors.ts': 'export const fail = 1;\n',
      'lib/db/index.ts': "import 'server-only';\nexport const getDb = () => null;\n",
      // lib/auth: server-side files are marked; what clients share is not.
      'lib/auth/keys.ts': "import { getDb } from '../db/index';\nexport const k = getDb;\n",
      'lib/auth/roles.ts': "import type { Db } from '../db/index';\nexport const r = 1;\nexport type R = Db;\n",
      // A client form reaching the database through a helper that is not itself marked.
      'components/form.tsx':
        "'use client';\nimport { helper } from './helper';\nimport type { Db } from '@/lib/db';\nexport const F = helper;\n",
      'components/helper.ts': "import { getDb } from '@/lib/db/index';\nexport const helper = getDb;\n",
      // A client form calling a server action: it gets a reference, never the action's imports.
      'components/act.tsx': "'use client';\nimport { save } from '../lib/save-action';\nexport const A = save;\n",
      'lib/save-action.ts': "'use server';\nimport { getDb } from './db';\nexport async function save() { getDb(); }\n",
      // Cycles through `import type` or a dynamic import's target only one way are no cycles at run time.
      'lib/preview/p.ts': "import type { Q } from './q';\nexport type P = Q;\nexport const p = 1;\n",
      'lib/preview/q.ts': "import { p } from './p';\nexport type Q = number;\nexport const q = p;\n",
      'lib/preview/lazy.ts': "export const load = () => import('./missing');\n",
    });
    expect(messagesOf(root)).toEqual([
      "resolvable: lib/preview/lazy.ts imports './missing', which names no file",
      'errors-leaf: lib/errors.ts imports lib/config.ts: lib/errors.ts imports nothing of ours',
      'formats-pure: lib/formats/reader.ts imports lib/registry/deploy.ts: lib/formats imports nothing of ours but lib/errors.ts',
      'registry-not-api: lib/registry/deploy.ts imports lib/api/errors.ts: lib/registry never imports lib/api',
      'client-not-server: client module components/form.tsx reaches server code: components/form.tsx → components/helper.ts → lib/db/index.ts',
      "server-only-marked: lib/registry/unmarked.ts does not import 'server-only'",
      "server-only-marked: lib/auth/keys.ts imports lib/db/index.ts: a lib/auth file that imports server code imports 'server-only' too",
    ]);
  });
});

/**
 * The import graph of our own source (.ts, .tsx, .mjs) and the layering rules of DESIGN.md checked
 * over it (scripts/architecture.test.ts runs them in `npm test`). The TypeScript parser reads each
 * file, so comments and strings never count as imports; `import type` is kept apart because the
 * compiler erases it: it can form no cycle at run time and brings no server code into a client
 * bundle, though it still counts against a layer that may not know another at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type ImportEdge = { from: string; to: string; typeOnly: boolean };
export type ImportGraph = {
  /** Repo-relative paths of every parsed file, with POSIX separators. */
  files: string[];
  edges: ImportEdge[];
  /** Files that import the `server-only` marker themselves. */
  serverOnly: Set<string>;
  /** Files whose first statement is the 'use client' directive. */
  client: Set<string>;
  /** Files of server actions ('use server'): a client module gets references to them, never their code. */
  serverActions: Set<string>;
  /** Our own specifiers (relative or `@/`) that name no file. */
  unresolved: { from: string; specifier: string }[];
};
export type Violation = { rule: string; message: string };

const SOURCE = /\.(ts|tsx|mjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'data', 'test-results', 'playwright-report', 'coverage']);
const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '.mjs', '.js', '/index.ts', '/index.tsx', '/index.mjs'];

/** Every file of the tree (any kind: an import may name a .css or .json file), repo-relative. */
function listFiles(root: string, dir = '', out = new Set<string>()): Set<string> {
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      // Build outputs (.next, .next-<name>) and other dot-directories hold no source of ours.
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) listFiles(root, rel, out);
    } else out.add(rel);
  }
  return out;
}

function resolveSpecifier(all: Set<string>, from: string, specifier: string): string | null {
  const base = specifier.startsWith('@/') ? specifier.slice(2) : path.posix.join(path.posix.dirname(from), specifier);
  for (const suffix of RESOLVE_SUFFIXES) {
    const candidate = path.posix.normalize(base + suffix);
    if (all.has(candidate)) return candidate;
  }
  return null;
}

type RawImport = { specifier: string; typeOnly: boolean };

/** Static imports, re-exports and `import()` calls of one file, each marked type-only or not. */
function importsOf(source: ts.SourceFile, text: string): RawImport[] {
  const out: RawImport[] = [];
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const clause = st.importClause;
      const named =
        clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
      const allNamedTypes = !!named && named.length > 0 && !clause?.name && named.every((el) => el.isTypeOnly);
      out.push({ specifier: st.moduleSpecifier.text, typeOnly: !!clause && (clause.isTypeOnly || allNamedTypes) });
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      const named = st.exportClause && ts.isNamedExports(st.exportClause) ? st.exportClause.elements : null;
      const allNamedTypes = !!named && named.length > 0 && named.every((el) => el.isTypeOnly);
      out.push({ specifier: st.moduleSpecifier.text, typeOnly: st.isTypeOnly || allNamedTypes });
    }
  }
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push({ specifier: arg.text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  if (text.includes('import(')) visit(source); // walking every node of every file is the slow part
  return out;
}

function directiveOf(source: ts.SourceFile): string | null {
  const first = source.statements[0];
  return first && ts.isExpressionStatement(first) && ts.isStringLiteral(first.expression)
    ? first.expression.text
    : null;
}

/** Parses every source file under `root` and resolves its imports to files of the tree. */
export function buildImportGraph(root: string): ImportGraph {
  const all = listFiles(root);
  // Generated code (the Prisma client) is a target of imports, not parsed: it imports only its packages.
  const files = [...all].filter((f) => SOURCE.test(f) && !f.endsWith('.d.ts') && !f.includes('/generated/')).sort();
  const graph: ImportGraph = {
    files,
    edges: [],
    serverOnly: new Set(),
    client: new Set(),
    serverActions: new Set(),
    unresolved: [],
  };
  for (const file of files) {
    const kind = file.endsWith('.tsx')
      ? ts.ScriptKind.TSX
      : file.endsWith('.mjs')
        ? ts.ScriptKind.JS
        : ts.ScriptKind.TS;
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
    const directive = directiveOf(source);
    if (directive === 'use client') graph.client.add(file);
    if (directive === 'use server') graph.serverActions.add(file);
    for (const { specifier, typeOnly } of importsOf(source, text)) {
      if (specifier === 'server-only') graph.serverOnly.add(file);
      if (!specifier.startsWith('.') && !specifier.startsWith('@/')) continue; // a package
      const to = resolveSpecifier(all, file, specifier);
      if (to === null) graph.unresolved.push({ from: file, specifier });
      else if (SOURCE.test(to)) graph.edges.push({ from: file, to, typeOnly });
    }
  }
  return graph;
}

const under = (dir: string) => (file: string) => file.startsWith(`${dir}/`);
/** Tests and their helpers (test-support/, test-*.ts): they run in vitest, never in a server or a bundle. */
const isTest = (file: string) =>
  /\.test\.tsx?$/.test(file) || file.includes('/test-support/') || /(^|\/)test-[^/]+$/.test(file);

/** file → the files it imports at run time (what `import type` names is erased by the compiler). */
function runtimeImports(graph: ImportGraph): Map<string, string[]> {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  return next;
}

/** Every cycle of run-time imports, one path per strongly connected component (Tarjan). */
export function findCycles(graph: ImportGraph): string[][] {
  const next = runtimeImports(graph);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const f of graph.files) if (!index.has(f)) connect(f);
  // Within a component every file reaches every other: walk from its first file back to it.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0];
    const prev = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const v = queue.shift()!;
      for (const w of next.get(v) ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          const cycle = [start];
          for (let u = v; u !== start; u = prev.get(u)!) cycle.splice(1, 0, u);
          return [...cycle, start];
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    return [start, start];
  });
}

/** The path of run-time imports from a client module to the first server module it reaches, if any. */
function serverPathFrom(graph: ImportGraph, start: string, isServer: (f: string) => boolean): string[] | null {
  const next = runtimeImports(graph);
  const prev = new Map<string, string>([[start, start]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    if (v !== start && isServer(v)) {
      const route = [v];
      for (let u = v; u !== start; u = prev.get(u)!) route.unshift(prev.get(u)!);
      return route;
    }
    for (const w of next.get(v) ?? []) {
      if (!prev.has(w) && !graph.serverActions.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return null;
}

/** DESIGN.md's boundaries over the graph; an empty list means the tree keeps them all. */
export function checkArchitecture(graph: ImportGraph): Violation[] {
  const out: Violation[] = [];
  const edge = (rule: string, e: ImportEdge, why: string) =>
    out.push({ rule, message: `${e.from} imports ${e.to}${e.typeOnly ? ' (type only)' : ''}: ${why}` });
  for (const u of graph.unresolved)
    out.push({ rule: 'resolvable', message: `${u.from} imports '${u.specifier}', which names no file` });
  for (const e of graph.edges) {
    if (under('lib/formats')(e.from) && !under('lib/formats')(e.to) && e.to !== 'lib/errors.ts') {
      edge('formats-pure', e, 'lib/formats imports nothing of ours but lib/errors.ts');
    }
    if (e.from === 'lib/errors.ts') edge('errors-leaf', e, 'lib/errors.ts imports nothing of ours');
    // A registry test may check how the API layer answers one of its errors; the registry itself may not know it.
    if (under('lib/registry')(e.from) && !isTest(e.from) && under('lib/api')(e.to)) {
      edge('registry-not-api', e, 'lib/registry never imports lib/api');
    }
    if (under('components')(e.from) && under('app')(e.to)) {
      edge('components-not-app', e, "components/ holds shared UI; pass a route's action in as a prop");
    }
  }
  const serverDirs = ['lib/db', 'lib/registry', 'lib/storage'].map(under);
  const isServer = (f: string) => graph.serverOnly.has(f) || serverDirs.some((inDir) => inDir(f));
  for (const file of graph.client) {
    const route = serverPathFrom(graph, file, isServer);
    if (route)
      out.push({
        rule: 'client-not-server',
        message: `client module ${file} reaches server code: ${route.join(' → ')}`,
      });
  }
  for (const file of graph.files) {
    const marked = serverDirs.some((inDir) => inDir(file)) && !isTest(file) && !file.endsWith('.child.ts');
    if (marked && !graph.serverOnly.has(file))
      out.push({ rule: 'server-only-marked', message: `${file} does not import 'server-only'` });
  }
  // lib/auth is both: what clients share (permissions, form state) stays unmarked, and a file
  // that runs on server code is server code, so it carries the marker itself.
  const flagged = new Set<string>();
  for (const e of graph.edges) {
    const from = e.from;
    if (e.typeOnly || !under('lib/auth')(from) || isTest(from) || from.endsWith('.child.ts')) continue;
    if (graph.serverOnly.has(from) || !isServer(e.to) || flagged.has(from)) continue;
    flagged.add(from);
    edge('server-only-marked', e, "a lib/auth file that imports server code imports 'server-only' too");
  }
  for (const cycle of findCycles(graph)) out.push({ rule: 'no-cycles', message: `import cycle: ${cycle.join(' → ')}` });
  return out;
}

/**
 * The error-code test: every code thrown anywhere in lib/, app/, cli/ and components/ is in
 * ERROR_CODES, so every code has one kind and one status. Codes are found with the TypeScript
 * parser, not a regex: `new X(code, …)` for every class that extends DomainError (found by following
 * `extends` across files), and calls of helpers that pass one of their own parameters on as the code
 * (`fail(code, …)`, `notFound(what, id, code)`), found the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DomainError, ERROR_CODES, LISTED_CODE_COUNT, kindOfCode, statusOfKind, type ErrorKind } from './errors';
import { ModelValidationError } from './formats/errors';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIRS = ['lib', 'app', 'cli', 'components'];

type Site = { code: string; where: string; kind?: string };
type Callee = { codeIndex: number; kindIndex?: number };
type Scan = { sites: Site[]; unresolved: string[]; classes: Map<string, Callee>; helpers: Map<string, Callee> };

/** The functions a file declares and the names it imports: a helper applies only where it is in scope. */
function scopeOf(sf: ts.SourceFile): { declared: Set<string>; imported: Set<string> } {
  const declared = new Set<string>();
  const imported = new Set<string>();
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && 'body' in n) {
      const name = fnName(n as Fn);
      if (name) declared.add(name);
    }
    if (ts.isImportSpecifier(n)) imported.add(n.name.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return { declared, imported };
}

function sourceFiles(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) {
        if (d.name !== 'node_modules' && d.name !== 'generated' && d.name !== 'test-support') walk(p);
      } else if (/\.tsx?$/.test(d.name) && !/\.test\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts')) {
        out.push({ file: path.relative(ROOT, p), text: fs.readFileSync(p, 'utf8') });
      }
    }
  };
  for (const d of DIRS) walk(path.join(ROOT, d));
  return out;
}

function calleeName(e: ts.Expression): string | null {
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return null;
}

type Fn = ts.FunctionLikeDeclaration;

function enclosingFunction(n: ts.Node): Fn | null {
  for (let p = n.parent; p; p = p.parent) if (ts.isFunctionLike(p) && 'body' in p) return p as Fn;
  return null;
}

function fnName(fn: Fn): string | null {
  if (ts.isConstructorDeclaration(fn)) return null;
  if (fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  const p = fn.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  return null;
}

function literalsOfType(t: ts.TypeNode | undefined): string[] {
  if (!t) return [];
  if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) return [t.literal.text];
  if (ts.isUnionTypeNode(t)) return t.types.flatMap(literalsOfType);
  return [];
}

/**
 * The codes an argument can be: literals, both arms of a conditional, a same-file const, a parameter's
 * literal type or default. `param`: the parameter it forwards, which makes the function a helper.
 */
function codesOf(
  e: ts.Expression,
  sf: ts.SourceFile,
): { codes: string[]; param?: ts.ParameterDeclaration; opaque?: boolean } {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return { codes: [e.text] };
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e)) return codesOf(e.expression, sf);
  if (ts.isConditionalExpression(e)) {
    const a = codesOf(e.whenTrue, sf);
    const b = codesOf(e.whenFalse, sf);
    return { codes: [...a.codes, ...b.codes], param: a.param ?? b.param, opaque: a.opaque || b.opaque };
  }
  // A lookup in a same-file const object (`UNREADABLE[what]`): any of its values.
  if (ts.isElementAccessExpression(e) && ts.isIdentifier(e.expression)) return codesOf(e.expression, sf);
  if (ts.isObjectLiteralExpression(e)) {
    return { codes: e.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? codesOf(p.initializer, sf).codes : [])) };
  }
  // A code read off another error or object (`e.code`, `o.conflictCode`) re-throws one thrown elsewhere.
  if (ts.isPropertyAccessExpression(e)) return { codes: [], opaque: true };
  if (ts.isIdentifier(e)) {
    for (let fn = enclosingFunction(e); fn; fn = enclosingFunction(fn)) {
      const param = fn.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === e.text);
      if (param) {
        const codes = [
          ...literalsOfType(param.type),
          ...(param.initializer ? codesOf(param.initializer, sf).codes : []),
        ];
        return { codes, param };
      }
    }
    let found: { codes: string[] } | null = null;
    const visit = (n: ts.Node) => {
      if (!found && ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === e.text && n.initializer) {
        found = codesOf(n.initializer, sf);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    if (found) return found;
  }
  return { codes: [] };
}

function where(sf: ts.SourceFile, n: ts.Node): string {
  return `${sf.fileName}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
}

/** Classes and helpers whose argument `codeIndex` is an error code, to a fixed point over all files. */
function scan(files: { file: string; text: string }[]): Scan {
  const sfs = files.map((f) =>
    ts.createSourceFile(
      f.file,
      f.text,
      ts.ScriptTarget.Latest,
      true,
      f.file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
    ),
  );
  // HintedError: the CLI's failures that carry their own hint (not a DomainError: it never reaches HTTP).
  const classes = new Map<string, Callee>([
    ['DomainError', { codeIndex: 1, kindIndex: 0 }],
    ['HintedError', { codeIndex: 1 }],
  ]);
  // Helpers by `file#name`; a call uses its own file's function of that name, else an imported one.
  const helpers = new Map<string, Callee>();
  const scopes = new Map(sfs.map((sf) => [sf.fileName, scopeOf(sf)]));
  const helperFor = (name: string, sf: ts.SourceFile): Callee | undefined => {
    const scope = scopes.get(sf.fileName)!;
    if (scope.declared.has(name)) return helpers.get(`${sf.fileName}#${name}`);
    if (!scope.imported.has(name)) return undefined;
    for (const [key, callee] of helpers) if (key.endsWith(`#${name}`)) return callee;
    return undefined;
  };
  let sites: Site[] = [];
  let unresolved: string[] = [];
  for (let round = 0, grew = true; grew && round < 10; round++) {
    grew = false;
    sites = [];
    unresolved = [];
    const record = (callee: Callee, args: readonly ts.Expression[], sf: ts.SourceFile, node: ts.Node) => {
      const arg = args[callee.codeIndex];
      if (!arg) return;
      const { codes, param, opaque } = codesOf(arg, sf);
      const kindArg = callee.kindIndex === undefined ? undefined : args[callee.kindIndex];
      const kind = kindArg && ts.isStringLiteral(kindArg) ? kindArg.text : undefined;
      for (const code of codes) sites.push({ code, where: where(sf, node), kind });
      // The function whose parameter it is (an arrow inside a helper may throw with the helper's code).
      const owner = param && (param.parent as Fn);
      if (param && owner) {
        const index = owner.parameters.indexOf(param);
        if (ts.isConstructorDeclaration(owner)) {
          const cls = owner.parent;
          if (ts.isClassDeclaration(cls) && cls.name && classes.get(cls.name.text)?.codeIndex !== index) {
            classes.set(cls.name.text, { codeIndex: index });
            grew = true;
          }
        } else {
          const name = fnName(owner);
          const key = `${owner.getSourceFile().fileName}#${name}`;
          if (name && index >= 0 && helpers.get(key)?.codeIndex !== index) {
            helpers.set(key, { codeIndex: index });
            grew = true;
          }
        }
      } else if (!codes.length && !opaque) unresolved.push(`${where(sf, node)}: ${arg.getText(sf)}`);
    };
    for (const sf of sfs) {
      const visit = (n: ts.Node) => {
        if (ts.isClassDeclaration(n) && n.name && !classes.has(n.name.text)) {
          const base = n.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
          const parent = base && calleeName(base) && classes.get(calleeName(base)!);
          // Without a constructor of its own a subclass takes its parent's arguments.
          if (parent && !n.members.some(ts.isConstructorDeclaration)) {
            classes.set(n.name.text, parent);
            grew = true;
          }
        }
        // `readonly code = 'data_dir_in_use'` on an error class of its own.
        if (
          ts.isPropertyDeclaration(n) &&
          ts.isIdentifier(n.name) &&
          n.name.text === 'code' &&
          n.initializer &&
          ts.isStringLiteral(n.initializer)
        ) {
          sites.push({ code: n.initializer.text, where: where(sf, n) });
        }
        if (ts.isNewExpression(n) && n.arguments) {
          const c = classes.get(calleeName(n.expression) ?? '');
          if (c) record(c, n.arguments, sf, n);
        }
        if (ts.isCallExpression(n)) {
          const name = ts.isIdentifier(n.expression) ? n.expression.text : null;
          const helper = name ? helperFor(name, sf) : undefined;
          if (n.expression.kind === ts.SyntaxKind.SuperKeyword) {
            const cls = n.parent && ts.findAncestor(n, ts.isClassDeclaration);
            const base = cls?.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]
              ?.expression;
            const parent = base && classes.get(calleeName(base) ?? '');
            if (parent) record(parent, n.arguments, sf, n);
          } else if (helper) record(helper, n.arguments, sf, n);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
  }
  return { sites, unresolved, classes, helpers };
}

/** `{ status: 400, body: { code: 'x' … } }` and `Response.json({ … code: 'x' }, { status: 404 })`, each with its status checked. */
function literalAnswers(files: { file: string; text: string }[]): string[] {
  const literal = [
    /status: (\d{3}),\s*body: \{\s*code: '([a-z_]+)'/g,
    /\{[^{}]*code: '([a-z_]+)'[^{}]*\},\s*\{\s*status: (\d{3})/g,
  ];
  const answers: string[] = [];
  for (const f of files)
    for (const [i, re] of literal.entries())
      for (const m of f.text.matchAll(re)) {
        const [status, code] = i === 0 ? [Number(m[1]), m[2]] : [Number(m[2]), m[1]];
        const own = statusOfKind(kindOfCode(code));
        answers.push(`${code} ${status}${own === status ? '' : ` ≠ ${own}`} (${f.file})`);
      }
  return answers;
}

const files = sourceFiles();
const result = scan(files);
const tableCodes = Object.keys(ERROR_CODES);
const foundCodes = new Set(result.sites.map((s) => s.code));

describe('ERROR_CODES', () => {
  it('every kind has its own HTTP status', () => {
    const kinds = [...new Set(Object.values(ERROR_CODES).map((e) => e.kind))] as ErrorKind[];
    const statuses = kinds.map(statusOfKind);
    expect(statuses.every((s) => Number.isInteger(s) && s >= 400 && s <= 599)).toBe(true);
    expect(new Set(statuses).size).toBe(kinds.length);
  });

  it('lists each code under one kind only', () => {
    expect(tableCodes.length).toBe(LISTED_CODE_COUNT);
  });

  it('the scanner finds the throwers (not silently nothing)', () => {
    console.log(
      `error codes: ${foundCodes.size} distinct codes at ${result.sites.length} throw sites in ${files.length} files; ` +
        `${result.classes.size} error classes, ${result.helpers.size} helpers (${[...result.helpers.keys()].join(', ')}); table: ${tableCodes.length}`,
    );
    expect(files.length).toBeGreaterThan(200);
    expect(foundCodes.size).toBeGreaterThanOrEqual(Math.ceil(tableCodes.length * 0.8));
    for (const cls of [
      'ModelValidationError',
      'ApiError',
      'AuthError',
      'ArtifactError',
      'BackupError',
      'WorkflowError',
    ])
      expect(result.classes.has(cls)).toBe(true);
    for (const helper of ['#fail', 'lib/errors.ts#notFound'])
      expect([...result.helpers.keys()].some((k) => k.endsWith(helper))).toBe(true);
  });

  it('one status per code: every site that names a kind names its code’s own', () => {
    // The table gives each code one kind, and so one status; a site choosing another kind is a
    // second status for that code, and the sites below are every throw that names a kind.
    const named = result.sites.filter((s) => s.kind && s.code in ERROR_CODES);
    expect(named.length).toBeGreaterThan(5);
    const other = named.filter((s) => s.kind !== kindOfCode(s.code));
    expect(other.map((s) => `${s.code}: ${s.kind}, not ${kindOfCode(s.code)} (${s.where})`)).toEqual([]);
  });

  it('one status per code: answers written without a DomainError (lib/api/errors.ts, Response.json) agree with the table', () => {
    const answers = literalAnswers(files);
    expect(answers.length).toBeGreaterThanOrEqual(4);
    expect(answers.filter((a) => a.includes('≠'))).toEqual([]);
    const planted = literalAnswers([
      { file: 'planted.ts', text: "return { status: 400, body: { code: 'age_range_mismatch' } };" },
    ]);
    expect(planted).toEqual(['age_range_mismatch 400 ≠ 422 (planted.ts)']);
  });

  it('every thrown code is in the table', () => {
    const missing = result.sites.filter((s) => !(s.code in ERROR_CODES)).map((s) => `${s.code} (${s.where})`);
    expect(missing).toEqual([]);
  });

  it('every code argument is one the scanner can read', () => {
    expect(result.unresolved).toEqual([]);
  });

  it('every table entry is thrown somewhere (no stale codes)', () => {
    // internal_error is only ever an answer body (lib/api/errors.ts), never thrown.
    const unused = tableCodes.filter((c) => !foundCodes.has(c) && c !== 'internal_error');
    expect(unused).toEqual([]);
  });

  it('fails on a planted code the table lacks, through a class and through a helper', () => {
    const planted = scan([
      {
        file: 'planted/errors.ts',
        text: "class Base extends DomainError { constructor(c: string, m: string) { super('invalid', c, m); } }\nclass BadBytes extends Base {}",
      },
      {
        file: 'planted/reader.ts',
        text: "function refuse(code: string, m: string): never { throw new BadBytes(code, m); }\nrefuse('zip_nonsense', 'x');\nthrow new DomainError('invalid', 'made_up_code', 'y');",
      },
    ]);
    expect(planted.sites.map((s) => s.code).sort()).toEqual(['made_up_code', 'zip_nonsense']);
    expect(planted.sites.filter((s) => !(s.code in ERROR_CODES))).toHaveLength(2);
  });

  it("a DomainError takes the table's kind over a disagreeing one; unknown codes fall back by class", () => {
    expect(new DomainError('invalid', 'model_not_found', 'm').status).toBe(404);
    expect(new DomainError('invalid', 'invalid_request', 'r').status).toBe(422);
    expect(new DomainError('unprocessable', 'malformed_input', 'r').status).toBe(400);
    expect(new DomainError('conflict', 'age_range_mismatch', 'r').status).toBe(422);
    expect(new ModelValidationError('validation_set_invalid', 'v').status).toBe(422);
    expect(kindOfCode('no_such_code')).toBe('internal');
    expect(new ModelValidationError('no_such_code', 'v').status).toBe(422);
  });
});

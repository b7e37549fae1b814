// The TypeScript side of `flows check`: the compiler API type-checks flows/ exactly as the
// editor does (a misspelled option, a wrongly shaped `dial`, a target that is not a node),
// and the parser points a syntax error at its real line when a flow fails to load. The
// compiler is loaded on demand: start-up and hot reload only pay for it when a file is broken.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';
import type { LoadErrorLocation, LocatedIssue } from '../flow-dsl/registry.ts';

type Ts = typeof TS;
let cached: Promise<Ts | undefined> | undefined;

/** The compiler, or undefined when the install has none (then types are not checked). */
export function loadTypeScript(): Promise<Ts | undefined> {
  cached ??= import('typescript').then((m) => (m as unknown as { default?: Ts }).default ?? (m as unknown as Ts), () => undefined);
  return cached;
}

/** The first syntax error of a file, as the TypeScript parser sees it. */
export async function syntaxError(file: string, text: string): Promise<LoadErrorLocation | undefined> {
  const ts = await loadTypeScript();
  if (!ts) return undefined;
  const out = ts.transpileModule(text, { fileName: file, reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2024, module: ts.ModuleKind.ESNext } });
  const d = out.diagnostics?.find((x) => x.start !== undefined && x.category === ts.DiagnosticCategory.Error);
  if (!d || d.start === undefined) return undefined;
  const sf = d.file ?? ts.createSourceFile(file, text, ts.ScriptTarget.ES2024, true);
  const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
  return { line: line + 1, column: character + 1, message: `syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}` };
}

const positionOf = (text: string, index: number) => {
  const before = text.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
};

/**
 * Where a module failed to load: the import naming a missing module or export, the first
 * syntax error (as the TypeScript parser sees it) in this file or a file next to it that the
 * error names, or the line that threw. Works on Node's own errors and on other loaders'
 * (a test runner's transform error names the file and line differently).
 */
export async function locateLoadError(err: unknown, file: string, read: (f: string) => string): Promise<LoadErrorLocation | undefined> {
  const e = err as { name?: string; message?: string; stack?: string };
  const message = typeof e?.message === 'string' ? e.message : '';
  const stack = typeof e?.stack === 'string' ? e.stack : '';
  const text = read(file);
  const inImport = (name: string) => {
    const m = new RegExp(`import[^;]*?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).exec(text);
    return m ? positionOf(text, m.index + m[0].lastIndexOf(name)) : undefined;
  };
  const missingExport = /does not provide an export named '([^']+)'/.exec(message);
  if (missingExport) return inImport(missingExport[1]!);
  const missingModule = /Cannot find (?:module|package) '([^']+)'/.exec(message);
  if (missingModule) {
    const spec = missingModule[1]!;
    return inImport(spec.startsWith('/') || spec.startsWith('file:') ? spec.split('/').pop()! : spec);
  }
  // Every file:line the error mentions (Node: "<path>:<line>" heading the stack for a syntax
  // error, then "at … (file://<path>?rev=…:<line>:<col>)" frames).
  const mentioned = [...`${stack}\n${message}`.matchAll(/(file:\/\/)?(\/[^\s:()?'"]+\.[cm]?[jt]s)(?:\?[^\s:()]*)?:(\d+)(?::(\d+))?/g)]
    .map((m) => ({ file: m[1] ? fileURLToPath(`file://${m[2]}`) : m[2]!, line: Number(m[3]), column: m[4] ? Number(m[4]) : 1 }));
  const near = (f: string) => f === file || f.startsWith(dirname(file) + sep);
  for (const f of [file, ...new Set(mentioned.map((m) => m.file).filter((f) => f !== file && near(f)))]) {
    let t: string;
    try { t = f === file ? text : read(f); } catch { continue; }
    const parsed = await syntaxError(f, t);
    if (parsed) return { ...(f !== file ? { file: f } : {}), ...parsed };
  }
  const own = mentioned.find((m) => m.file === file);
  if (own) return { line: own.line, column: own.column };
  const other = mentioned.find((m) => near(m.file));
  return other;
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name === 'node_modules' || d.name.startsWith('.')) return [];
    const p = join(dir, d.name);
    return d.isDirectory() ? listTs(p) : d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

export interface TypecheckResult {
  issues: LocatedIssue[];
  /** Why types were not checked (no compiler in this install). */
  skipped?: string;
}

/**
 * Type-checks every .ts file under `dir` with the project's compiler options (the nearest
 * tsconfig.json) and reports the errors inside `dir` as FLOW_TYPE_ERROR at file:line:col.
 */
export async function typecheckFlows(dir: string, display: (f: string) => string): Promise<TypecheckResult> {
  const ts = await loadTypeScript();
  if (!ts) return { issues: [], skipped: 'typescript is not installed here, so flow types were not checked (npm install typescript)' };
  const root = resolve(dir);
  if (!existsSync(root)) return { issues: [] };
  const configFile = ts.findConfigFile(root, (f) => ts.sys.fileExists(f));
  let options: TS.CompilerOptions = {
    target: ts.ScriptTarget.ES2024, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true,
    allowImportingTsExtensions: true, noEmit: true, skipLibCheck: true, verbatimModuleSyntax: true, erasableSyntaxOnly: true,
  };
  if (configFile) {
    const cfg = ts.readConfigFile(configFile, (f) => ts.sys.readFile(f));
    if (!cfg.error) options = ts.parseJsonConfigFileContent(cfg.config, ts.sys, dirname(configFile)).options;
  }
  // Nothing is emitted, so how imports would be rewritten on emit does not matter (a folder
  // outside the project may import the DSL by absolute path).
  options = { ...options, noEmit: true, rewriteRelativeImportExtensions: false };
  const program = ts.createProgram({ rootNames: listTs(root), options });
  const inside = (f: string) => resolve(f).startsWith(root + sep);
  const issues: LocatedIssue[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file || d.start === undefined || !inside(d.file.fileName) || d.category !== ts.DiagnosticCategory.Error) continue;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    issues.push({ code: 'FLOW_TYPE_ERROR', severity: 'error', message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`, file: display(resolve(d.file.fileName)), line: line + 1, column: character + 1 });
  }
  return { issues };
}

// Loads flows/: the registry (flows/index.ts), schedules, lookups, queue ids and the
// recorded prompts; checks everything (validate.ts) and compiles the flows. All file access
// goes through the FlowSource port (Node implementation: createNodeFlowSource in
// src/cli/flows.ts), so this stays free of I/O imports. Hot reload re-imports changed files
// (the source keys modules by content hash), swaps the whole set only when every check
// passes, and never touches live calls (a session keeps the machine it started with).
import type { CompiledFlow, FlowRegistry } from '../calls/contract.ts';
import { queuePrompts, type QueuePrompts } from '../acd/prompts.ts';
import { validateSchedule, type Schedule } from '../domain/hours.ts';
import { CentralitaError } from '../errors.ts';
import { compileFlow, type CompiledFlowEx } from './compile.ts';
import type { RegistryDefinition } from './registry-def.ts';
import { suggestOption } from './schema.ts';
import type { FlowDefinition, LookupFn } from './types.ts';
import { validateFlow, type FlowIssue, type IssueCode } from './validate.ts';

export interface LocatedIssue extends FlowIssue {
  file: string; // relative to cwd
  line: number;
  column: number;
}

export interface LoadedFlow extends CompiledFlowEx {
  file: string;
}

export interface LoadResult {
  ok: boolean;
  issues: LocatedIssue[];
  flows: Map<string, LoadedFlow>;
  dids: Record<string, string>;
  schedules: Record<string, Schedule>;
  lookups: Record<string, LookupFn>;
  queueIds?: Set<string>;
  /** Skills of each queue's members (from flows/queues.ts). */
  queueSkills?: Map<string, Set<string>>;
  /** What the ACD can play in each queue (from flows/queues.ts). */
  queuePrompts?: Map<string, QueuePrompts>;
  /** Prompt files found: `<lang>/<id>` (`<id>` may have a folder: `digits/7`). */
  prompts: Set<string>;
}

/** File access the loader needs; paths are absolute after `resolve`. */
export interface FlowSource {
  resolve(...parts: string[]): string;
  /** Path as shown in messages (relative to the working directory). */
  display(file: string): string;
  exists(file: string): boolean;
  read(file: string): string;
  /**
   * Imports a module; a changed `text` must give a fresh module (hot reload). A rejection may
   * carry `location` (LoadErrorLocation): where the syntax error or the throw is.
   */
  importModule(file: string, text: string): Promise<Record<string, unknown>>;
  /** Prompt files under soundsDir as `<lang>/<id>`, sub-folders included (`es/digits/7`). */
  listPrompts(soundsDir: string): Set<string>;
  hash(text: string): string;
  /** Calls onChange on any change under dir; returns the stop function. */
  watch?(dir: string, onChange: () => void): () => void;
}

/** Where a module failed to load; `file` (absolute) when it is not the module imported. */
export interface LoadErrorLocation {
  file?: string;
  line: number;
  column: number;
  /** A better message than the error's own (e.g. the parser's). */
  message?: string;
}

export interface LoadOptions {
  source: FlowSource;
  /** The flows folder (contains index.ts). */
  dir: string;
  soundsDir: string;
  /** Queue ids known to the ACD; default: the keys exported by flows/queues.ts, if present. */
  queueIds?: Iterable<string>;
  now?: () => Date;
  /** See CompileOptions.soundPrefix. */
  soundPrefix?: string;
}

const REGISTRY_KEYS: readonly string[] = ['flows', 'dids', 'schedules', 'lookups', 'queues'];

export class FlowCheckError extends CentralitaError {
  readonly issues: LocatedIssue[];
  constructor(issues: LocatedIssue[]) {
    const errors = issues.filter((i) => i.severity === 'error');
    super('FLOWS_INVALID', `flows check failed (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map(formatIssue).join('\n')}`);
    this.issues = issues;
  }
}

/** `file:line:col: error CODE: message`, the form editors and CI annotate. */
export function formatIssue(i: LocatedIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.severity} ${i.code}: ${i.message}`;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function locate(text: string, node: string | undefined, token: string | undefined, key?: string): { line: number; column: number } {
  let from = 0;
  if (node !== undefined) {
    const re = new RegExp(`^[ \\t]*['"]?${escapeRe(node)}['"]?\\s*:`, 'm');
    const m = re.exec(text);
    if (m) from = m.index + (m[0].length - m[0].trimStart().length);
  }
  let at = from;
  if (token !== undefined) {
    const quoted = [`'${token}'`, `"${token}"`, `\`${token}\``].map((q) => text.indexOf(q, from)).filter((i) => i >= 0);
    if (quoted.length) at = Math.min(...quoted) + 1;
  } else if (key !== undefined) {
    // An option name as written in an object literal: `maxAtempts: 3` or `'maxAtempts': 3`.
    const re = new RegExp(`(?<![\\w$])(['"]?)${escapeRe(key)}\\1\\s*:`, 'g');
    re.lastIndex = from;
    const m = re.exec(text);
    if (m) at = m.index + m[1]!.length;
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return { line, column };
}

/** A value as a message shows it: its type, and a short rendering. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40) ?? String(v)}`;
}

/** Loads and checks everything; never throws for content problems (they are issues). */
export async function loadFlows(o: LoadOptions): Promise<LoadResult> {
  const src = o.source;
  const resolve = (...p: string[]) => src.resolve(...p);
  const existsSync = (f: string) => src.exists(f);
  const sha = (t: string) => src.hash(t);
  const dir = resolve(o.dir);
  const issues: LocatedIssue[] = [];
  const rel = (f: string) => src.display(f);
  const texts = new Map<string, string>();
  const read = (f: string) => {
    let t = texts.get(f);
    if (t === undefined) { t = existsSync(f) ? src.read(f) : ''; texts.set(f, t); }
    return t;
  };
  const add = (file: string, code: IssueCode, message: string, where: { node?: string; token?: string; key?: string; flowId?: string; severity?: 'error' | 'warning'; at?: { line: number; column: number } } = {}) => {
    const { line, column } = where.at ?? locate(read(file), where.node, where.token, where.key);
    issues.push({ code, severity: where.severity ?? 'error', message, file: rel(file), line, column, ...(where.flowId ? { flowId: where.flowId } : {}), ...(where.node ? { node: where.node } : {}), ...(where.token ? { token: where.token } : {}), ...(where.key ? { key: where.key } : {}) });
  };
  const loadModule = async (file: string): Promise<Record<string, unknown> | undefined> => {
    if (!existsSync(file)) { add(file, 'FLOW_LOAD_FAILED', `file not found`); return undefined; }
    try {
      return await src.importModule(file, read(file));
    } catch (err) {
      // The source says where it broke when it can (a syntax error's line, the throwing line),
      // possibly in a file this one imports.
      const loc = (err as { location?: LoadErrorLocation }).location;
      const message = `cannot load: ${loc?.message ?? (err as Error).message.split('\n')[0]}${loc?.file && loc.file !== file ? ` (imported by ${rel(file)})` : ''}`;
      add(loc?.file ?? file, 'FLOW_LOAD_FAILED', message, loc ? { at: loc } : {});
      return undefined;
    }
  };

  const result: LoadResult = { ok: false, issues, flows: new Map(), dids: {}, schedules: {}, lookups: {}, prompts: src.listPrompts(o.soundsDir) };
  const indexFile = resolve(dir, 'index.ts');
  const indexModule = await loadModule(indexFile);
  const index = indexModule?.default as RegistryDefinition | undefined;
  if (!index || typeof index !== 'object' || !index.flows || typeof index.flows !== 'object' || Array.isArray(index.flows)) {
    // A file that did not load is reported once, above.
    if (indexModule) add(indexFile, 'FLOW_LOAD_FAILED', 'flows/index.ts must `export default defineRegistry({ flows: {...} })`');
    return result;
  }

  for (const key of Object.keys(index)) {
    if (!REGISTRY_KEYS.includes(key)) {
      const hint = suggestOption(key, REGISTRY_KEYS);
      add(indexFile, 'FLOW_OPTION_UNKNOWN', `unknown registry option '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; known: ${REGISTRY_KEYS.join(', ')}`, { key });
    }
  }
  // A registry option that names a file must be a file name (a JS edit can put anything there).
  const fileOption = (k: 'schedules' | 'lookups' | 'queues'): string | undefined => {
    const v: unknown = index[k];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v !== '') return v;
    add(indexFile, 'FLOW_LOAD_FAILED', `registry option '${k}' must be a file name (e.g. './${k}.ts'), not ${describe(v)}`, { key: k });
    return undefined;
  };
  const schedulesFile = fileOption('schedules');
  const lookupsFile = fileOption('lookups');
  const queuesFile = fileOption('queues');
  if (schedulesFile) {
    const file = resolve(dir, schedulesFile);
    const mod = await loadModule(file);
    const s = (mod?.schedules ?? mod?.default) as Record<string, Schedule> | undefined;
    if (mod && (!s || typeof s !== 'object')) add(file, 'FLOW_LOAD_FAILED', 'must export `schedules` (id → defineSchedule(...))');
    for (const [key, sch] of Object.entries(s && typeof s === 'object' ? s : {})) {
      if (!sch || typeof sch !== 'object') { add(file, 'SCHEDULE_INVALID', `schedule '${key}' is not a schedule (use defineSchedule(...)), but ${describe(sch)}`, { node: key }); continue; }
      if (sch.id !== key) add(file, 'SCHEDULE_INVALID', `schedule key '${key}' does not match its id '${String(sch.id)}'`, { node: key });
      let problems: string[];
      try { problems = validateSchedule(sch); } catch (err) { problems = [`cannot be checked: ${(err as Error).message}`]; }
      for (const p of problems) add(file, 'SCHEDULE_INVALID', p, { node: key });
      result.schedules[key] = sch; // known (its problems are reported above), so flows using it are not told it is missing
    }
  }
  if (lookupsFile) {
    const file = resolve(dir, lookupsFile);
    const mod = await loadModule(file);
    const l = (mod?.lookups ?? mod?.default) as Record<string, LookupFn> | undefined;
    if (mod && (!l || typeof l !== 'object')) add(file, 'FLOW_LOAD_FAILED', 'must export `lookups` (name → async function)');
    for (const [k, fn] of Object.entries(l && typeof l === 'object' ? l : {})) if (typeof fn === 'function') result.lookups[k] = fn;
  }
  if (o.queueIds) result.queueIds = new Set(o.queueIds);
  else if (queuesFile && existsSync(resolve(dir, queuesFile))) {
    const mod = await loadModule(resolve(dir, queuesFile));
    const q = (mod?.queues ?? mod?.default) as Record<string, unknown> | undefined;
    if (q && typeof q === 'object') {
      result.queueIds = new Set(Object.keys(q));
      // Read defensively: a malformed queues.ts is the ACD's to report; here it only must not crash.
      const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
      result.queueSkills = new Map(Object.entries(q).map(([id, cfg]) => [id, new Set(list((cfg as { members?: unknown } | null)?.members).flatMap((m) => list((m as { skills?: unknown } | null)?.skills).filter((x): x is string => typeof x === 'string')))]));
      result.queuePrompts = new Map();
      for (const [id, cfg] of Object.entries(q)) {
        try { result.queuePrompts.set(id, queuePrompts(cfg as Parameters<typeof queuePrompts>[0])); } catch { /* announcements unknown: not checked */ }
      }
    }
  } else if (queuesFile) {
    add(indexFile, 'FLOW_QUEUE_UNKNOWN', `${queuesFile} does not exist: queue ids are not checked`, { token: queuesFile, severity: 'warning' });
  }

  const cat = {
    schedules: new Set(Object.keys(result.schedules)),
    lookups: new Set(Object.keys(result.lookups)),
    ...(result.queueIds ? { queues: result.queueIds } : {}),
    ...(result.queueSkills ? { queueSkills: result.queueSkills } : {}),
    ...(result.queuePrompts ? { queuePrompts: result.queuePrompts } : {}),
    hasPrompt: (lang: string, id: string) => result.prompts.has(`${lang}/${id}`),
    soundsDir: rel(resolve(o.soundsDir)),
  };

  for (const [flowId, path] of Object.entries(index.flows as Record<string, unknown>)) {
    if (typeof path !== 'string' || path === '') {
      add(indexFile, 'FLOW_LOAD_FAILED', `flow '${flowId}' must name its file (e.g. './${flowId}.flow.ts'), not ${describe(path)}`, { node: flowId, flowId });
      continue;
    }
    const file = resolve(dir, path);
    const mod = await loadModule(file);
    if (!mod) continue;
    const def = mod.default as FlowDefinition | undefined;
    if (!def || typeof def !== 'object' || typeof def.nodes !== 'object' || def.nodes === null) {
      add(file, 'FLOW_LOAD_FAILED', 'the default export is not a flow (use `export default defineFlow({...})`)');
      continue;
    }
    if (def.id !== flowId) add(file, 'FLOW_ID_MISMATCH', `flow id '${String(def.id)}' does not match its key '${flowId}' in flows/index.ts`, { ...(typeof def.id === 'string' ? { token: def.id } : {}), flowId });
    // The checker and the compiler are given whatever the module holds: what they cannot
    // handle is an issue of this flow, never a crash of start-up or `flows check`.
    let found: ReturnType<typeof validateFlow>;
    try { found = validateFlow(def, cat); } catch (err) { found = [{ code: 'FLOW_NODE_INVALID', severity: 'error', message: `flow '${flowId}' cannot be checked: ${(err as Error).message}` }]; }
    for (const i of found) add(file, i.code, i.message, { ...(i.node ? { node: i.node } : {}), ...(i.token ? { token: i.token } : {}), ...(i.key ? { key: i.key } : {}), flowId, severity: i.severity });
    if (found.some((i) => i.severity === 'error')) continue;
    try {
      const compiled = compileFlow(def, { version: sha(read(file)), ...(o.now ? { now: o.now } : {}), ...(o.soundPrefix !== undefined ? { soundPrefix: o.soundPrefix } : {}) });
      result.flows.set(flowId, { ...compiled, file: rel(file) });
    } catch (err) {
      add(file, 'FLOW_NODE_INVALID', `flow '${flowId}' cannot be compiled: ${(err as Error).message}`, { flowId });
    }
  }
  const dids = index.dids;
  if (dids !== undefined && (!dids || typeof dids !== 'object' || Array.isArray(dids))) add(indexFile, 'FLOW_LOAD_FAILED', `registry option 'dids' must map DIDs to flow ids, not ${describe(dids)}`, { key: 'dids' });
  for (const [did, flowId] of Object.entries(dids && typeof dids === 'object' ? dids : {})) {
    if (typeof flowId !== 'string' || !(flowId in index.flows)) add(indexFile, 'FLOW_DID_UNKNOWN_FLOW', `DID ${did} goes to flow '${String(flowId)}', which is not in the registry`, { ...(typeof flowId === 'string' ? { token: flowId } : {}) });
    else result.dids[did] = flowId;
  }
  result.ok = !issues.some((i) => i.severity === 'error');
  return result;
}

export interface FlowRegistryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FlowRegistryHandle extends FlowRegistry {
  forDid(did: string): CompiledFlow | undefined;
  /** Re-reads flows/; on any error keeps serving the previous set and returns the issues. */
  reload(): Promise<{ ok: boolean; issues: LocatedIssue[] }>;
  current(): LoadResult;
  close(): void;
}

export interface FlowRegistryOptions extends LoadOptions {
  hotReload?: boolean;
  logger?: FlowRegistryLogger;
  /** Called after each reload attempt (tests, metrics). */
  onReload?: (r: { ok: boolean; issues: LocatedIssue[] }) => void;
  debounceMs?: number;
}

/** Loads flows/ (throws FlowCheckError when anything is wrong) and optionally watches it. */
export async function createFlowRegistry(o: FlowRegistryOptions): Promise<FlowRegistryHandle> {
  let current = await loadFlows(o);
  if (!current.ok) throw new FlowCheckError(current.issues);
  for (const w of current.issues) o.logger?.warn({ issue: formatIssue(w) }, 'flows check warning');
  let stopWatching: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const reload = async () => {
    const next = await loadFlows(o);
    if (next.ok) {
      const changed = [...next.flows.values()].filter((f) => current.flows.get(f.id)?.version !== f.version).map((f) => `${f.id}@${f.version}`);
      current = next;
      o.logger?.info({ changed }, 'flows reloaded; new calls use the new versions');
    } else {
      o.logger?.error({ issues: next.issues.filter((i) => i.severity === 'error').map(formatIssue) }, 'flow edit rejected; the previous version keeps serving');
    }
    const r = { ok: next.ok, issues: next.issues };
    o.onReload?.(r);
    return r;
  };

  if (o.hotReload) {
    if (!o.source.watch) throw new CentralitaError('FLOWS_WATCH_UNSUPPORTED', 'hot reload needs a FlowSource with watch()');
    stopWatching = o.source.watch(o.source.resolve(o.dir), () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        // Serialise reloads so a slow one cannot overwrite a newer one.
        running = running.then(reload).catch((err: unknown) => o.logger?.error({ err }, 'flow reload crashed; previous version keeps serving'));
      }, o.debounceMs ?? 150);
    });
  }

  const forDid = (did: string) => {
    const id = current.dids[did] ?? current.dids[did.replace(/[^\d+]/g, '')];
    return id ? current.flows.get(id) : undefined;
  };
  return {
    get: (id) => current.flows.get(id),
    ids: () => [...current.flows.keys()],
    forDid,
    reload: () => (running = running.then(reload)) as Promise<{ ok: boolean; issues: LocatedIssue[] }>,
    current: () => current,
    close() {
      stopWatching?.();
      if (timer) clearTimeout(timer);
    },
  };
}

// The checker behind `centralita flows check`, start-up and hot reload: everything the type
// system cannot see (or that a JavaScript edit slipped past it). Pure: the catalogs of
// schedules, queues, lookups and recorded prompts come in as arguments.
import { promptIds } from './compile.ts';
import type { QueuePrompts } from '../acd/prompts.ts';
import { missingPrompts, nodePrompts } from './playable.ts';
import { flowShapeProblems, nodeShapeProblems } from './schema.ts';
import type { Digit, FlowDefinition, FlowNode } from './types.ts';

export type IssueCode =
  | 'FLOW_LOAD_FAILED'
  | 'FLOW_ID_MISMATCH'
  | 'FLOW_NODE_ID_INVALID'
  | 'FLOW_START_UNKNOWN'
  | 'FLOW_TARGET_UNKNOWN'
  | 'FLOW_NODE_UNREACHABLE'
  | 'FLOW_NODE_INVALID'
  | 'FLOW_OPTION_UNKNOWN'
  | 'FLOW_TYPE_ERROR'
  | 'FLOW_QUEUE_UNKNOWN'
  | 'FLOW_QUEUE_SKILL_UNKNOWN'
  | 'FLOW_SCHEDULE_UNKNOWN'
  | 'FLOW_LOOKUP_UNKNOWN'
  | 'FLOW_PROMPT_MISSING'
  | 'FLOW_DID_UNKNOWN_FLOW'
  | 'FLOW_SENSITIVE_EXPOSED'
  | 'SCHEDULE_INVALID';

export interface FlowIssue {
  code: IssueCode;
  severity: 'error' | 'warning';
  message: string;
  flowId?: string;
  /** Where to point in the source: the node's key, then this token inside it. */
  node?: string;
  token?: string;
  /** An option name (`maxAtempts: 3`) inside the node, when that is what is wrong. */
  key?: string;
}

export interface FlowCatalogs {
  schedules: ReadonlySet<string>;
  lookups: ReadonlySet<string>;
  /** Undefined when no queue configuration exists: queue ids are then not checked. */
  queues?: ReadonlySet<string>;
  /** Skills of each queue's members, when known: a required skill nobody has is a typo. */
  queueSkills?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Whether sounds/<lang>/<id>.wav exists. Undefined: prompts not checked. */
  hasPrompt?: (language: string, id: string) => boolean;
  soundsDir?: string;
  /** What the ACD plays in each queue (flows/queues.ts), checked in the flow's languages. */
  queuePrompts?: ReadonlyMap<string, QueuePrompts>;
}

export interface Edge {
  from: string;
  to: string;
  label: string;
}

const DIGITS = new Set<string>(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#']);
const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Every outgoing edge of a node, labelled as a reviewer would read it. */
export function nodeEdges(id: string, n: FlowNode): Edge[] {
  const e = (to: string | undefined, label: string): Edge[] => (to === undefined ? [] : [{ from: id, to, label }]);
  switch (n.type) {
    case 'play': return e(n.next, n.bargeIn ? 'done / key' : 'done');
    case 'menu': return [...Object.entries(n.options).flatMap(([d, t]) => e(t, `press ${d}`)), ...e(n.onFailure, 'no valid choice')];
    case 'gather': return [...e(n.next, `valid ${n.into}`), ...e(n.onFailure, 'no valid input')];
    case 'hours': return [...e(n.open, 'open'), ...e(n.closed, 'closed'), ...e(n.holiday, 'holiday'), ...e(n.overrideOpen, 'override open'), ...e(n.overrideClosed, 'override closed')];
    case 'queue': return [...e(n.answered, 'answered'), ...e(n.timeout, 'timeout'), ...e(n.noAgents, 'no agents'), ...e(n.exitKey, 'exit key'), ...e(n.full, 'full')];
    case 'dial': return [...e(n.answered, 'answered'), ...e(n.busy, 'busy'), ...e(n.noAnswer, 'no answer'), ...e(n.failed, 'failed')];
    case 'voicemail': return e(n.next, 'recorded');
    case 'setLanguage': return e(n.next, `language ${n.language}`);
    case 'setVar': return e(n.next, `set ${n.name}`);
    case 'branch': return [...n.cases.flatMap((c) => e(c.to, c.label)), ...e(n.otherwise, 'otherwise')];
    case 'lookup': return [...e(n.found, 'found'), ...e(n.notFound, 'not found'), ...e(n.fallback, 'error / timeout')];
    case 'transfer':
    case 'hangup':
      return [];
  }
}

/** Languages a caller of this flow may hear: declared ones plus every setLanguage target. */
export function flowLanguages(def: FlowDefinition): string[] {
  const langs = new Set([def.language, ...(def.languages ?? [])]);
  for (const n of Object.values(def.nodes) as FlowNode[]) if (n.type === 'setLanguage') langs.add(n.language);
  return [...langs];
}

/** Every prompt id the flow references. */
export function flowPrompts(def: FlowDefinition): string[] {
  const ids = new Set<string>();
  for (const n of Object.values(def.nodes) as FlowNode[]) for (const p of nodePrompts(n)) for (const id of promptIds(p)) ids.add(id);
  return [...ids];
}

function nodeShape(id: string, n: FlowNode): string[] {
  const bad: string[] = [];
  const positive = (v: number | undefined, what: string) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) bad.push(`${what} must be a positive number, got ${v}`);
  };
  switch (n.type) {
    case 'menu':
      if (Object.keys(n.options).length === 0) bad.push('menu has no options');
      for (const d of Object.keys(n.options)) if (!DIGITS.has(d)) bad.push(`option '${d}' is not a DTMF key (0-9, *, #)`);
      positive(n.timeoutSec, 'timeoutSec');
      positive(n.maxAttempts, 'maxAttempts');
      break;
    case 'gather':
      if (!n.into) bad.push('gather needs `into` (the variable to store the digits)');
      positive(n.maxDigits, 'maxDigits');
      if ((n.minDigits ?? 1) > n.maxDigits) bad.push(`minDigits (${n.minDigits}) is more than maxDigits (${n.maxDigits})`);
      positive(n.firstDigitTimeoutSec, 'firstDigitTimeoutSec');
      positive(n.interDigitTimeoutSec, 'interDigitTimeoutSec');
      positive(n.maxAttempts, 'maxAttempts');
      if (n.finishOnKey && (n.validate instanceof RegExp) && n.validate.test(n.finishOnKey)) bad.push(`validate accepts the finish key '${n.finishOnKey}'`);
      break;
    case 'dial':
      if (!/^[A-Za-z0-9_-]+\/\S+$/.test(n.endpoint)) bad.push(`endpoint '${n.endpoint}' is not TECH/resource (e.g. PJSIP/1001)`);
      positive(n.timeoutSec, 'timeoutSec');
      break;
    case 'voicemail':
      positive(n.maxSeconds, 'maxSeconds');
      break;
    case 'lookup':
      positive(n.timeoutSec, 'timeoutSec');
      break;
    case 'queue':
      if (n.skills !== undefined && (!Array.isArray(n.skills) || n.skills.some((s) => typeof s !== 'string' || s === ''))) bad.push('skills must be a list of non-empty skill names');
      break;
    case 'transfer':
      if (!n.context || !n.extension) bad.push('transfer needs a context and an extension');
      break;
    case 'branch':
      for (const c of n.cases) if (typeof c.when !== 'function') bad.push(`case '${c.label}' has no \`when\` function`);
      break;
    default:
      break;
  }
  return bad.map((b) => `node '${id}': ${b}`);
}

/**
 * Digits of a `sensitive: true` gather (PINs, card numbers) stay in the call's memory: reading
 * them back or copying them into another variable would put them in front of the PBX's logs or
 * into the call record, so `flows check` refuses both.
 */
function sensitiveExposures(nodes: Record<string, FlowNode>): { node: string; message: string }[] {
  const vars = new Set(Object.values(nodes).filter((n): n is Extract<FlowNode, { type: 'gather' }> => n?.type === 'gather' && n.sensitive === true).map((n) => n.into));
  if (vars.size === 0) return [];
  const out: { node: string; message: string }[] = [];
  for (const [id, n] of Object.entries(nodes)) {
    if (!n || typeof n !== 'object') continue;
    if (n.type === 'gather' && n.sensitive && n.readBack) out.push({ node: id, message: `node '${id}': a sensitive gather cannot read the digits back (readBack)` });
    for (const p of nodePrompts(n)) for (const m of Array.isArray(p) ? p : [p]) {
      const v = typeof m === 'object' ? ('sayDigits' in m ? m.sayDigits : m.sayNumber) : undefined;
      if (v !== undefined && vars.has(v)) out.push({ node: id, message: `node '${id}' reads out '${v}', which a sensitive gather collected` });
    }
    if (n.type === 'setVar' && typeof n.value === 'string' && [...n.value.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].some((x) => vars.has(x[1]!)))
      out.push({ node: id, message: `node '${id}' copies a sensitive gather's digits into '${n.name}' (it would reach the call record)` });
  }
  return out;
}

const KNOWN_TYPES = new Set(['play', 'menu', 'gather', 'hours', 'queue', 'dial', 'transfer', 'voicemail', 'setLanguage', 'setVar', 'branch', 'lookup', 'hangup']);

/** All problems of one flow definition, most useful first. */
export function validateFlow(def: FlowDefinition, cat: FlowCatalogs): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const err = (code: IssueCode, message: string, node?: string, token?: string, key?: string) =>
    issues.push({ code, severity: 'error', message, flowId: def.id, ...(node !== undefined ? { node } : {}), ...(token !== undefined ? { token } : {}), ...(key !== undefined ? { key } : {}) });
  if (!def || typeof def !== 'object' || typeof def.nodes !== 'object' || def.nodes === null) {
    err('FLOW_LOAD_FAILED', 'the default export is not a flow (use `export default defineFlow({...})`)');
    return issues;
  }
  const shapeCode = (m: string): IssueCode => (m.startsWith('unknown option') ? 'FLOW_OPTION_UNKNOWN' : 'FLOW_NODE_INVALID');
  for (const p of flowShapeProblems(def)) err(shapeCode(p.message), `flow '${String(def.id)}': ${p.message}`, undefined, undefined, p.key);
  // Without a node map, a start and languages of the right types, nothing below can be judged.
  const langs = (def as { languages?: unknown }).languages;
  if (Array.isArray(def.nodes) || def.nodes instanceof RegExp || typeof def.start !== 'string' || (langs !== undefined && (!Array.isArray(langs) || langs.some((l) => typeof l !== 'string')))) {
    if (!issues.length) err('FLOW_NODE_INVALID', `flow '${String(def.id)}': nodes must map node ids to nodes, start must be a node id, languages a list of language codes`);
    return issues;
  }
  // A node that does not have its type's shape is reported as such and not checked further;
  // its arrows are unknown, so reachability is not judged either.
  const malformed = new Set<string>();
  const nodes = def.nodes as Record<string, FlowNode>;
  const ids = new Set(Object.keys(nodes));

  for (const id of ids) {
    if (!NODE_ID.test(id)) err('FLOW_NODE_ID_INVALID', `node id '${id}' must start with a letter and use only letters, digits, _ and -`, id);
  }
  if (!ids.has(def.start)) err('FLOW_START_UNKNOWN', `start '${def.start}' is not a node of flow '${def.id}'`, undefined, def.start);

  for (const [id, n] of Object.entries(nodes)) {
    if (!n || typeof n !== 'object' || !KNOWN_TYPES.has((n as { type?: string }).type ?? '')) {
      err('FLOW_NODE_INVALID', `node '${id}' has unknown type '${String((n as { type?: unknown })?.type)}'`, id);
      continue;
    }
    const shape = nodeShapeProblems(n.type, n);
    for (const p of shape) err(shapeCode(p.message), `node '${id}': ${p.message}`, id, undefined, p.key);
    if (shape.length) { malformed.add(id); continue; }
    for (const m of nodeShape(id, n)) err('FLOW_NODE_INVALID', m, id);
    for (const edge of nodeEdges(id, n)) {
      if (!ids.has(edge.to)) err('FLOW_TARGET_UNKNOWN', `node '${id}' (${edge.label}) goes to '${edge.to}', which is not a node of flow '${def.id}'`, id, edge.to);
    }
    if (n.type === 'queue' && cat.queues && !cat.queues.has(n.queue)) err('FLOW_QUEUE_UNKNOWN', `node '${id}' uses queue '${n.queue}', which is not in flows/queues.ts (known: ${[...cat.queues].sort().join(', ') || 'none'})`, id, n.queue);
    if (n.type === 'queue' && n.skills && cat.queueSkills?.has(n.queue)) {
      const has = cat.queueSkills.get(n.queue)!;
      for (const s of n.skills) if (!has.has(s)) err('FLOW_QUEUE_SKILL_UNKNOWN', `node '${id}' requires skill '${s}', which no member of queue '${n.queue}' has (skills there: ${[...has].sort().join(', ') || 'none'})`, id, s);
    }
    if (n.type === 'hours' && !cat.schedules.has(n.schedule)) err('FLOW_SCHEDULE_UNKNOWN', `node '${id}' uses schedule '${n.schedule}', which is not in flows/schedules.ts (known: ${[...cat.schedules].sort().join(', ') || 'none'})`, id, n.schedule);
    if (n.type === 'lookup' && !cat.lookups.has(n.fn)) err('FLOW_LOOKUP_UNKNOWN', `node '${id}' calls lookup '${n.fn}', which flows/lookups does not export (known: ${[...cat.lookups].sort().join(', ') || 'none'})`, id, n.fn);
  }

  // The checks over the whole flow see the well-formed nodes only.
  const wellFormed = Object.fromEntries(Object.entries(nodes).filter(([id, n]) => n && typeof n === 'object' && KNOWN_TYPES.has(n.type) && !malformed.has(id))) as Record<string, FlowNode>;
  for (const m of sensitiveExposures(wellFormed)) err('FLOW_SENSITIVE_EXPOSED', m.message, m.node);

  // Reachability from start, over the same edges the graph draws.
  if (ids.has(def.start) && malformed.size === 0) {
    const seen = new Set<string>([def.start]);
    const todo = [def.start];
    while (todo.length) {
      const id = todo.pop()!;
      const n = nodes[id];
      if (!n || !KNOWN_TYPES.has(n.type)) continue;
      for (const e of nodeEdges(id, n)) if (ids.has(e.to) && !seen.has(e.to)) { seen.add(e.to); todo.push(e.to); }
    }
    for (const id of ids) if (!seen.has(id)) err('FLOW_NODE_UNREACHABLE', `node '${id}' cannot be reached from start '${def.start}'`, id);
  }

  if (cat.hasPrompt) {
    const checkable = Object.entries(nodes).filter(([id, n]) => n && KNOWN_TYPES.has(n.type) && !malformed.has(id));
    for (const p of missingPrompts(checkable, flowLanguages({ ...def, nodes: wellFormed }), { hasPrompt: cat.hasPrompt, ...(cat.soundsDir ? { soundsDir: cat.soundsDir } : {}), ...(cat.queuePrompts ? { queuePrompts: cat.queuePrompts } : {}) })) {
      err('FLOW_PROMPT_MISSING', p.message, p.node, p.token);
    }
  }
  return issues;
}

export function isDigit(d: string): d is Digit {
  return DIGITS.has(d);
}

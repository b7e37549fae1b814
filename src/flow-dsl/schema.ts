// The strict shape of a flow at load time (start-up, hot reload, `flows check`): every node
// type's options with their types, and nothing else. The TypeScript types in types.ts say
// the same for the editor; this catches what a JavaScript edit, an `as any` or a skipped
// typecheck lets through — a misspelled option (`maxAtempts`) would otherwise be ignored
// and its default used on live calls. Pure: zod only.
import { z } from 'zod';
import type { NodeType } from './types.ts';

const target = z.string({ error: 'expected a node id' }).min(1);
const media = z.union([
  z.string().min(1),
  z.object({ sayDigits: z.string().min(1) }).strict(),
  z.object({ sayNumber: z.string().min(1) }).strict(),
], { error: "expected a prompt id, sayDigits('var'), sayNumber('var') or a list of them" });
const prompts = z.union([media, z.array(media).min(1)], { error: "expected a prompt id, sayDigits('var'), sayNumber('var') or a list of them" });
const num = z.number({ error: 'expected a number of seconds' });
const count = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' });
const fn = (what: string) => z.custom<(...a: never[]) => unknown>((v) => typeof v === 'function', { error: `expected ${what}` });
const str = z.string({ error: 'expected a string' });

const NODE_SCHEMAS: Record<NodeType, z.ZodObject> = {
  play: z.object({ type: z.literal('play'), prompts, bargeIn: z.boolean().optional(), next: target }).strict(),
  menu: z.object({
    type: z.literal('menu'), prompt: prompts, options: z.record(z.string(), target),
    timeoutSec: num.optional(), maxAttempts: count.optional(), invalidPrompt: prompts.optional(), timeoutPrompt: prompts.optional(), onFailure: target,
  }).strict(),
  gather: z.object({
    type: z.literal('gather'), prompt: prompts, into: str, minDigits: count.optional(), maxDigits: count,
    finishOnKey: z.enum(['#', '*'], { error: "expected '#', '*' or null" }).nullable().optional(),
    firstDigitTimeoutSec: num.optional(), interDigitTimeoutSec: num.optional(),
    validate: z.union([z.instanceof(RegExp), fn('a function')], { error: 'expected a RegExp or a function (digits) => boolean' }).optional(),
    invalidPrompt: prompts.optional(), timeoutPrompt: prompts.optional(), maxAttempts: count.optional(),
    readBack: z.object({ prompt: prompts.optional() }).strict().optional(),
    sensitive: z.boolean().optional(),
    next: target, onFailure: target,
  }).strict(),
  hours: z.object({
    type: z.literal('hours'), schedule: str, open: target, closed: target, holiday: target.optional(), overrideOpen: target.optional(), overrideClosed: target.optional(),
  }).strict(),
  queue: z.object({
    type: z.literal('queue'), queue: str, answered: target.optional(), timeout: target, noAgents: target.optional(), exitKey: target.optional(), full: target.optional(),
    skills: z.array(str, { error: 'expected a list of skill names' }).optional(), languageSkill: z.boolean().optional(),
  }).strict(),
  dial: z.object({
    type: z.literal('dial'), endpoint: str, timeoutSec: num.optional(), callerId: str.optional(),
    answered: target.optional(), busy: target.optional(), noAnswer: target, failed: target.optional(),
  }).strict(),
  transfer: z.object({ type: z.literal('transfer'), context: str, extension: str, priority: count.optional() }).strict(),
  voicemail: z.object({
    type: z.literal('voicemail'), prompt: prompts.optional(), maxSeconds: num.optional(), beep: z.boolean().optional(), mailbox: str.optional(), next: target.optional(),
  }).strict(),
  setLanguage: z.object({ type: z.literal('setLanguage'), language: str, next: target }).strict(),
  setVar: z.object({ type: z.literal('setVar'), name: str, value: z.union([str, fn('a function')], { error: 'expected a string or a function (view) => string' }), next: target }).strict(),
  branch: z.object({
    type: z.literal('branch'),
    cases: z.array(z.object({ label: str, when: fn('a function (view) => boolean'), to: target }).strict()),
    otherwise: target,
  }).strict(),
  lookup: z.object({
    type: z.literal('lookup'), fn: str, timeoutSec: num.optional(), into: str.optional(), found: target, notFound: target, fallback: target.optional(),
  }).strict(),
  hangup: z.object({ type: z.literal('hangup'), prompt: prompts.optional() }).strict(),
};

const FLOW_SCHEMA = z.object({
  id: str, language: str, languages: z.array(str).optional(), answer: z.boolean().optional(), description: str.optional(),
  start: str, nodes: z.record(z.string(), z.unknown()),
}).strict();

export interface ShapeProblem {
  message: string;
  /** Option name to point at in the source (the last named key of the path). */
  key?: string;
}

// Every option name a flow may use, for "did you mean" on an unknown one.
const VOCABULARY = [...new Set([
  ...Object.values(NODE_SCHEMAS).flatMap((s) => Object.keys(s.shape)),
  ...Object.keys(FLOW_SCHEMA.shape), 'prompt', 'label', 'when', 'to', 'sayDigits', 'sayNumber',
])];

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) {
    d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

/**
 * The option the author probably meant: among `candidates` (default: every option name), the
 * closest within a typo's distance, or one the key is the start of (`timeout` → `timeoutSec`).
 */
export function suggestOption(key: string, candidates: readonly string[] = VOCABULARY): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    if (name === key) continue;
    const d = name.toLowerCase().startsWith(key.toLowerCase()) ? 1 : distance(key, name);
    if (d <= Math.max(1, Math.floor(name.length / 4)) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

const pathText = (p: PropertyKey[]) => p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('');
const lastKey = (p: PropertyKey[]) => [...p].reverse().find((k): k is string => typeof k === 'string');

function problems(schema: z.ZodObject, value: unknown): ShapeProblem[] {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return [];
  const own = Object.keys(schema.shape);
  const out: ShapeProblem[] = [];
  for (const i of r.error.issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) {
        const hint = suggestOption(k, i.path.length ? VOCABULARY : own);
        const name = pathText([...i.path, k]);
        out.push({ message: `unknown option '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`, key: k });
      }
      continue;
    }
    const key = lastKey(i.path);
    const name = pathText(i.path) || 'value';
    const missing = i.code === 'invalid_type' && !('input' in i);
    out.push({ message: missing ? `missing required option '${name}'` : `${name}: ${i.message.replace(/^Invalid input: /, '')}`, ...(key ? { key } : {}) });
  }
  return out;
}

/** Shape problems of one node whose `type` is known. */
export function nodeShapeProblems(type: NodeType, node: unknown): ShapeProblem[] {
  return problems(NODE_SCHEMAS[type], node);
}

/** Shape problems of the flow definition itself (not its nodes). */
export function flowShapeProblems(def: unknown): ShapeProblem[] {
  return problems(FLOW_SCHEMA, def);
}

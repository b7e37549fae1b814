// What every node compiler shares: the machine context, defaults, the `#flow.<node>` targets and
// the per-flow kit (named delays, path steps, prompt playback) built once by compileFlow.
import { assign, fromPromise } from 'xstate';
import type { CallInput, CallOutput } from '../calls/contract.ts';
import type { IvrStep } from '../domain/call-record.ts';
import type { FlowView, Media, Prompts } from './types.ts';

export interface FlowContext {
  input: CallInput;
  language: string;
  vars: Record<string, string>;
  path: IvrStep[];
  attempts: number;
  digits: string;
  out: Omit<CallOutput, 'path' | 'language' | 'variables'>;
  error?: { code: string; message: string };
}

export const DEFAULTS = {
  menuTimeoutSec: 5,
  menuAttempts: 3,
  gatherFirstDigitSec: 5,
  gatherInterDigitSec: 3,
  gatherAttempts: 3,
  dialTimeoutSec: 30,
  voicemailMaxSec: 120,
  lookupTimeoutSec: 3,
} as const;

export type Ctx = FlowContext;
export type Args = { context: Ctx; event: { type: string; [k: string]: unknown } };
export type DoneArgs = Args;
export type ErrArgs = Args;
// XState hands actor results on the event; the machine's event union does not name them.
export const outOf = <O>(e: unknown): O => (e as { output: O }).output;
export const errOf = (e: unknown): unknown => (e as { error: unknown }).error;

export const ROOT = 'flow';
export const go = (node: string) => `#${ROOT}.${node}`;

/** FNV-1a; only a fallback when the loader did not give a content hash. */
export function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export function interpolate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, k: string) => vars[k] ?? '');
}

export function promptIds(p: Prompts | undefined): string[] {
  if (p === undefined) return [];
  const list = Array.isArray(p) ? p : [p];
  return list.filter((m): m is string => typeof m === 'string');
}

export function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : 'INTERNAL';
}
export const isGone = ({ event }: ErrArgs) => errCode(errOf(event)) === 'CHANNEL_GONE';

export function notProvided(name: string) {
  return fromPromise<never, unknown>(async () => {
    throw Object.assign(new Error(`flow actor '${name}' was not provided`), { code: 'ACTOR_NOT_PROVIDED' });
  });
}

/** The per-flow helpers the node compilers build states with; `delays` fills up as they run. */
export function createFlowKit(now: () => Date, soundPrefix: string) {
  const delays: Record<string, number> = {};
  const delay = (node: string, what: string, sec: number) => {
    const name = `${node}__${what}`;
    delays[name] = Math.round(sec * 1000);
    return name;
  };

  // `{{from}}`, `{{to}}`, `{{did}}`, `{{callId}}`, `{{language}}` and every call variable.
  const templVars = (c: Ctx): Record<string, string> => ({
    from: c.input.from, to: c.input.to, did: c.input.did ?? '', callId: c.input.callId, language: c.language, ...c.vars,
  });
  const view = (c: Ctx): FlowView => ({
    callId: c.input.callId,
    from: c.input.from,
    to: c.input.to,
    ...(c.input.did !== undefined ? { did: c.input.did } : {}),
    direction: c.input.direction,
    language: c.language,
    vars: c.vars,
    now: now(),
    ...(c.input.campaign ? { campaign: c.input.campaign } : {}),
  });

  // Path: one step when a node is entered, more for what happened there (digits, outcome).
  const step = (node: string, extra: (a: Args) => Omit<IvrStep, 'node' | 'at'> = () => ({})) =>
    assign({ path: (a: Args) => [...a.context.path, { node, at: now().toISOString(), ...extra(a) }] });
  const enter = (node: string) => step(node);
  const outcome = (node: string, o: string, digits?: (a: Args) => string) =>
    step(node, (a) => ({ outcome: o, ...(digits ? { digits: digits(a) } : {}) }));

  const resolveMedia = (c: Ctx, p: Prompts | undefined) => {
    const list: Media[] = p === undefined ? [] : Array.isArray(p) ? p : [p];
    const prompts: string[] = [];
    const media: string[] = [];
    for (const m of list) {
      if (typeof m === 'string') { prompts.push(m); media.push(`sound:${soundPrefix}${m}`); }
      else if ('sayDigits' in m) { const v = `digits:${(c.vars[m.sayDigits] ?? '').replace(/[^0-9*#]/g, '')}`; prompts.push(v); media.push(v); }
      else { const v = `number:${(c.vars[m.sayNumber] ?? '0').replace(/[^0-9-]/g, '') || '0'}`; prompts.push(v); media.push(v); }
    }
    return { prompts, media };
  };
  const playInvoke = (nodeId: string, p: Prompts | undefined, onDone: unknown, onError: unknown = onDone) => ({
    src: 'play',
    input: ({ context }: Args) => ({ channelId: context.input.channelId, ...resolveMedia(context, p), language: context.language, nodeId }),
    onDone,
    onError: [{ guard: isGone, target: go('__gone') }, { target: onError }],
  });
  const bump = assign({ attempts: ({ context }: Args) => context.attempts + 1 });
  const resetAttempts = assign({ attempts: 0 });

  return { now, delays, delay, templVars, view, step, enter, outcome, playInvoke, bump, resetAttempts };
}
export type FlowKit = ReturnType<typeof createFlowKit>;

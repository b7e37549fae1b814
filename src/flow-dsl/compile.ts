// Compiles a FlowDefinition into an XState v5 machine. Each flow node becomes a top-level
// state (same id); menus and gathers get sub-states for prompt / waiting / retry. The
// machine never awaits anything itself: I/O happens in invoked actors referenced by name
// (see actor-types.ts) and every timeout is a named delay, so tests drive it with a
// simulated clock. Time stamps come from the injected `now`, never from the global clock.
import { assign, fromPromise, setup, type AnyStateMachine } from 'xstate';
import type { CallEvent, CallInput, CallOutput, CompiledFlow } from '../calls/contract.ts';
import type { IvrStep } from '../domain/call-record.ts';
import { hoursBranch } from '../domain/hours.ts';
import { interpolateDialDigits } from '../domain/dial-policy.ts';
import type {
  DialOutput, HoursOutput, LookupOutput, PlayOutput, QueueOutcome, RecordOutput,
} from './actor-types.ts';
import type { FlowDefinition, FlowNode, FlowView, GatherNode, Media, MenuNode, Prompts } from './types.ts';

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

export interface CompileOptions {
  /** Content hash of the flow's source; defaults to a hash of the definition. */
  version?: string;
  /** Clock for path time stamps, `hours` and time branches. */
  now?: () => Date;
  /**
   * Media URI prefix for prompts: `sound:<prefix><id>`. Default '' matches installing
   * sounds/<lang>/ as Asterisk's sounds/<lang>/; use e.g. 'custom/' for FreePBX custom recordings.
   */
  soundPrefix?: string;
}

export interface CompiledFlowEx extends CompiledFlow {
  definition: FlowDefinition;
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

type Ctx = FlowContext;
type Args = { context: Ctx; event: { type: string; [k: string]: unknown } };
type DoneArgs = Args;
type ErrArgs = Args;
// XState hands actor results on the event; the machine's event union does not name them.
const outOf = <O>(e: unknown): O => (e as { output: O }).output;
const errOf = (e: unknown): unknown => (e as { error: unknown }).error;

const ROOT = 'flow';
const go = (node: string) => `#${ROOT}.${node}`;

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

function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : 'INTERNAL';
}
const isGone = ({ event }: ErrArgs) => errCode(errOf(event)) === 'CHANNEL_GONE';

function notProvided(name: string) {
  return fromPromise<never, unknown>(async () => {
    throw Object.assign(new Error(`flow actor '${name}' was not provided`), { code: 'ACTOR_NOT_PROVIDED' });
  });
}

export function compileFlow(def: FlowDefinition, opts: CompileOptions = {}): CompiledFlowEx {
  const now = opts.now ?? (() => new Date());
  const soundPrefix = opts.soundPrefix ?? '';
  const version = opts.version ?? hashText(JSON.stringify(def, (_k, v: unknown) => (typeof v === 'function' || v instanceof RegExp ? String(v) : v)));
  const delays: Record<string, number> = {};
  const sensitiveVars = new Set(Object.values(def.nodes as Record<string, FlowNode>).filter((n): n is GatherNode<string> => n.type === 'gather' && n.sensitive === true).map((n) => n.into));
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

  const states: Record<string, object> = {};

  const compileMenu = (id: string, n: MenuNode<string>) => {
    const max = n.maxAttempts ?? DEFAULTS.menuAttempts;
    const timeout = delay(id, 'timeout', n.timeoutSec ?? DEFAULTS.menuTimeoutSec);
    const digit = (a: Args) => String(a.event.digit ?? '');
    const dtmf = [
      ...Object.entries(n.options).map(([d, target]) => ({
        guard: ({ event }: Args) => event.digit === d,
        target: go(target!),
        reenter: true,
        actions: outcome(id, 'option', digit),
      })),
      { target: 'invalid', actions: outcome(id, 'invalid', digit) },
    ];
    const retry = (kind: 'invalid' | 'timeout', prompt: Prompts | undefined) => ({
      entry: bump,
      always: [
        { guard: ({ context }: Args) => context.attempts >= max, target: go(n.onFailure), reenter: true, actions: outcome(id, 'max-attempts') },
        { target: prompt ? `${kind}Prompt` : 'prompt' },
      ],
    });
    return {
      entry: [enter(id), resetAttempts],
      initial: 'prompt',
      states: {
        prompt: { invoke: playInvoke(id, n.prompt, 'waiting'), on: { 'call.dtmf': dtmf } },
        waiting: { after: { [timeout]: { target: 'timedOut', actions: outcome(id, 'timeout') } }, on: { 'call.dtmf': dtmf } },
        invalid: retry('invalid', n.invalidPrompt),
        timedOut: retry('timeout', n.timeoutPrompt),
        invalidPrompt: { invoke: playInvoke(id, n.invalidPrompt, 'prompt'), on: { 'call.dtmf': dtmf } },
        timeoutPrompt: { invoke: playInvoke(id, n.timeoutPrompt, 'prompt'), on: { 'call.dtmf': dtmf } },
      },
    };
  };

  const compileGather = (id: string, n: GatherNode<string>) => {
    const max = n.maxAttempts ?? DEFAULTS.gatherAttempts;
    const minDigits = n.minDigits ?? 1;
    const finish = n.finishOnKey === undefined ? '#' : n.finishOnKey;
    const first = delay(id, 'firstDigit', n.firstDigitTimeoutSec ?? DEFAULTS.gatherFirstDigitSec);
    const inter = delay(id, 'interDigit', n.interDigitTimeoutSec ?? DEFAULTS.gatherInterDigitSec);
    const valid = (d: string) =>
      d.length >= minDigits && d.length <= n.maxDigits &&
      (n.validate === undefined ? true : n.validate instanceof RegExp ? n.validate.test(d) : n.validate(d));
    const append = assign({ digits: ({ context, event }: Args) => context.digits + String(event.digit ?? '') });
    const collect = [
      { guard: ({ event }: Args) => finish !== null && event.digit === finish, target: 'check' },
      { guard: ({ context }: Args) => context.digits.length + 1 >= n.maxDigits, target: 'check', actions: append },
      { target: 'collecting', reenter: true, actions: append },
    ];
    const retry = (kind: 'invalid' | 'timeout', prompt: Prompts | undefined) => ({
      entry: bump,
      always: [
        { guard: ({ context }: Args) => context.attempts >= max, target: go(n.onFailure), reenter: true, actions: outcome(id, 'max-attempts') },
        { target: prompt ? `${kind}Prompt` : 'start' },
      ],
    });
    // A key during the invalid/timeout prompt starts a fresh attempt at once (not dropped).
    const setDigit = assign({ digits: ({ event }: Args) => String(event.digit ?? '') });
    const collectFresh = [
      { guard: ({ event }: Args) => finish !== null && event.digit === finish, target: 'check', actions: assign({ digits: '' }) },
      { guard: () => n.maxDigits <= 1, target: 'check', actions: setDigit },
      { target: 'collecting', actions: setDigit },
    ];
    const store = assign({ vars: ({ context }: Args) => ({ ...context.vars, [n.into]: context.digits }) });
    return {
      entry: [enter(id), resetAttempts],
      initial: 'start',
      states: {
        start: { entry: assign({ digits: '' }), always: 'prompt' },
        prompt: { invoke: playInvoke(id, n.prompt, 'waitFirst'), on: { 'call.dtmf': collect } },
        waitFirst: { after: { [first]: { target: 'timedOut', actions: outcome(id, 'timeout') } }, on: { 'call.dtmf': collect } },
        collecting: { after: { [inter]: 'check' }, on: { 'call.dtmf': collect } },
        check: {
          always: [
            {
              guard: ({ context }: Args) => valid(context.digits),
              target: n.readBack ? 'readBack' : go(n.next),
              reenter: true,
              actions: [store, n.sensitive ? outcome(id, 'collected') : outcome(id, 'collected', (a) => a.context.digits)],
            },
            { target: 'invalid', actions: n.sensitive ? outcome(id, 'invalid') : outcome(id, 'invalid', (a) => a.context.digits) },
          ],
        },
        invalid: retry('invalid', n.invalidPrompt),
        timedOut: retry('timeout', n.timeoutPrompt),
        invalidPrompt: { invoke: playInvoke(id, n.invalidPrompt, 'start'), on: { 'call.dtmf': collectFresh } },
        timeoutPrompt: { invoke: playInvoke(id, n.timeoutPrompt, 'start'), on: { 'call.dtmf': collectFresh } },
        readBack: {
          invoke: playInvoke(id, [...(n.readBack?.prompt === undefined ? [] : Array.isArray(n.readBack.prompt) ? n.readBack.prompt : [n.readBack.prompt]), { sayDigits: n.into }], go(n.next)),
        },
      },
    };
  };

  const compileNode = (id: string, n: FlowNode): object => {
    switch (n.type) {
      case 'play':
        return {
          entry: enter(id),
          invoke: playInvoke(id, n.prompts, go(n.next)),
          ...(n.bargeIn ? { on: { 'call.dtmf': { target: go(n.next), reenter: true, actions: outcome(id, 'barge-in', (a) => String(a.event.digit ?? '')) } } } : {}),
        };
      case 'menu':
        return compileMenu(id, n);
      case 'gather':
        return compileGather(id, n);
      case 'hours': {
        const target = (b: ReturnType<typeof hoursBranch>) =>
          b === 'open' ? n.open : b === 'closed' ? n.closed : b === 'holiday' ? (n.holiday ?? n.closed) : b === 'overrideOpen' ? (n.overrideOpen ?? n.open) : (n.overrideClosed ?? n.closed);
        const branches = (['open', 'closed', 'holiday', 'overrideOpen', 'overrideClosed'] as const).map((b) => ({
          guard: ({ event }: DoneArgs) => hoursBranch(outOf<HoursOutput>(event)) === b,
          target: go(target(b)),
          reenter: true,
          actions: step(id, (a) => ({ outcome: `${b}:${outOf<HoursOutput>(a.event).detail}` })),
        }));
        return {
          entry: enter(id),
          invoke: {
            src: 'hours',
            input: () => ({ scheduleId: n.schedule, at: now().toISOString() }),
            onDone: branches,
            onError: { target: go(n.closed), reenter: true, actions: outcome(id, 'closed:error') },
          },
        };
      }
      case 'queue': {
        const byOutcome: Record<QueueOutcome['outcome'], string> = {
          answered: n.answered ?? '__end',
          timeout: n.timeout,
          'no-agents': n.noAgents ?? n.timeout,
          'exit-key': n.exitKey ?? n.timeout,
          full: n.full ?? n.noAgents ?? n.timeout,
          abandoned: '__gone',
        };
        const record = assign({
          out: ({ context, event }: DoneArgs) => {
            const o = outOf<QueueOutcome>(event);
            return {
              ...context.out,
              queue: { id: n.queue, waitSeconds: o.waitSeconds, outcome: o.outcome, ...(o.outcome === 'answered' && o.talkSeconds !== undefined ? { talkSeconds: o.talkSeconds } : {}) },
              ...(o.outcome === 'answered' ? { agent: { id: o.agentId, ...(o.agentName ? { name: o.agentName } : {}) } } : {}),
            };
          },
        });
        // A caller who hangs up while waiting (or talking) never gets the join result:
        // note the queue on the way out so the record still says where the call was.
        const abandoned = assign({
          out: ({ context }: Args) => {
            const entered = [...context.path].reverse().find((s) => s.node === id);
            const waitSeconds = entered ? Math.max(0, Math.round((now().getTime() - Date.parse(entered.at)) / 1000)) : 0;
            return { ...context.out, hungUpBy: 'caller' as const, queue: context.out.queue ?? { id: n.queue, waitSeconds, outcome: 'abandoned' as const } };
          },
        });
        return {
          entry: enter(id),
          on: { 'call.hangup': { target: go('__gone'), actions: [abandoned, outcome(id, 'caller-hangup')] } },
          invoke: {
            src: 'queue',
            input: ({ context }: Args) => {
              const skills = [...(n.skills ?? []), ...(n.languageSkill ? [context.language] : [])];
              return { callId: context.input.callId, channelId: context.input.channelId, queueId: n.queue, language: context.language, ...(skills.length ? { skills } : {}) };
            },
            onDone: Object.entries(byOutcome).map(([o, t]) => ({
              guard: ({ event }: DoneArgs) => outOf<QueueOutcome>(event).outcome === o,
              target: go(t),
              reenter: true,
              actions: [record, step(id, (a) => {
                const d = (outOf<QueueOutcome>(a.event) as { digit?: string }).digit;
                return { outcome: o, ...(d ? { digits: d } : {}) };
              })],
            })),
            onError: [{ guard: isGone, target: go('__gone') }, { target: go(n.timeout), reenter: true, actions: outcome(id, 'error') }],
          },
        };
      }
      case 'dial': {
        const t = { answered: n.answered ?? '__end', busy: n.busy ?? n.noAnswer, 'no-answer': n.noAnswer, failed: n.failed ?? n.noAnswer };
        return {
          entry: enter(id),
          invoke: {
            src: 'dial',
            // Substituted values must be dial digits (toll fraud: a CSV cell or typed input
            // cannot add `@from-internal`); the server-side allow-list is checked at originate.
            input: ({ context }: Args) => {
              const endpoint = interpolateDialDigits(n.endpoint, templVars(context));
              const callerId = n.callerId === undefined ? undefined : interpolateDialDigits(n.callerId, templVars(context));
              const refused = !endpoint.ok ? endpoint.reason : callerId && !callerId.ok ? callerId.reason : undefined;
              return {
                callId: context.input.callId,
                channelId: context.input.channelId,
                endpoint: endpoint.ok ? endpoint.value : '',
                timeoutSec: n.timeoutSec ?? DEFAULTS.dialTimeoutSec,
                ...(callerId?.ok ? { callerId: callerId.value } : {}),
                ...(refused ? { refused } : {}),
              };
            },
            onDone: Object.entries(t).map(([s, target]) => ({
              guard: ({ event }: DoneArgs) => outOf<DialOutput>(event).status === s,
              target: go(target),
              reenter: true,
              // Time bridged to the dialled party counts as talk time in the call record.
              actions: [outcome(id, s), assign({ out: ({ context, event }: DoneArgs) => ({ ...context.out, talkSeconds: (context.out.talkSeconds ?? 0) + (outOf<DialOutput>(event).talkSeconds ?? 0) }) })],
            })),
            onError: [{ guard: isGone, target: go('__gone') }, { target: go(t.failed), reenter: true, actions: outcome(id, 'failed') }],
          },
        };
      }
      case 'transfer':
        return {
          entry: enter(id),
          invoke: {
            src: 'transfer',
            input: ({ context }: Args) => {
              const ext = interpolateDialDigits(n.extension, templVars(context));
              return { channelId: context.input.channelId, context: n.context, extension: ext.ok ? ext.value : '', ...(n.priority !== undefined ? { priority: n.priority } : {}), ...(!ext.ok ? { refused: ext.reason } : {}) };
            },
            onDone: {
              target: go('__done'),
              actions: [
                assign({ out: ({ context }: Args) => ({ ...context.out, handedBack: { context: n.context, extension: interpolate(n.extension, templVars(context)) } }) }),
                outcome(id, `dialplan:${n.context},${n.extension}`),
              ],
            },
            onError: [{ guard: isGone, target: go('__gone') }, { target: go('__end'), actions: outcome(id, 'error') }],
          },
        };
      case 'voicemail': {
        const maxSec = n.maxSeconds ?? DEFAULTS.voicemailMaxSec;
        const guardDelay = delay(id, 'recordGuard', maxSec + 10);
        const next = n.next ?? '__end';
        const save = assign({
          out: ({ context, event }: DoneArgs) => {
            const r = outOf<RecordOutput>(event);
            return { ...context.out, disposition: 'voicemail' as const, voicemail: { name: r.name, ...(r.durationSec !== undefined ? { durationSec: r.durationSec } : {}) } };
          },
        });
        const hungUp = ({ context }: Args) => context.out.hungUpBy === 'caller';
        return {
          entry: enter(id),
          initial: n.prompt ? 'prompt' : 'record',
          states: {
            prompt: { invoke: playInvoke(id, n.prompt, 'record') },
            record: {
              // Callers usually hang up to end their message: keep recording until the
              // PBX says the recording finished, then leave.
              on: { 'call.hangup': { actions: assign({ out: ({ context }: Args) => ({ ...context.out, hungUpBy: 'caller' as const }) }) } },
              invoke: {
                src: 'record',
                input: ({ context }: Args) => ({
                  channelId: context.input.channelId,
                  callId: context.input.callId,
                  name: `voicemail-${context.input.callId}`,
                  maxDurationSec: maxSec,
                  beep: n.beep ?? true,
                  ...(n.mailbox !== undefined ? { mailbox: n.mailbox } : {}),
                }),
                onDone: [
                  { guard: hungUp, target: go('__gone'), actions: [save, outcome(id, 'recorded')] },
                  { target: go(next), reenter: true, actions: [save, outcome(id, 'recorded')] },
                ],
                onError: [
                  { guard: (a: Args) => hungUp(a) || isGone(a), target: go('__gone'), actions: outcome(id, 'record-failed') },
                  { target: go(next), reenter: true, actions: outcome(id, 'record-failed') },
                ],
              },
              after: { [guardDelay]: [{ guard: hungUp, target: go('__gone') }, { target: go(next), reenter: true }] },
            },
          },
        };
      }
      case 'setLanguage':
        return { entry: [enter(id), assign({ language: n.language })], always: { target: go(n.next), reenter: true } };
      case 'setVar':
        return {
          entry: [
            enter(id),
            assign({ vars: ({ context }: Args) => ({ ...context.vars, [n.name]: typeof n.value === 'function' ? n.value(view(context)) : interpolate(n.value, templVars(context)) }) }),
          ],
          always: { target: go(n.next), reenter: true },
        };
      case 'branch':
        return {
          entry: enter(id),
          always: [
            ...n.cases.map((c) => ({ guard: ({ context }: Args) => c.when(view(context)), target: go(c.to), reenter: true, actions: outcome(id, c.label) })),
            { target: go(n.otherwise), reenter: true, actions: outcome(id, 'otherwise') },
          ],
        };
      case 'lookup': {
        const fallback = n.fallback ?? n.notFound;
        const timeout = delay(id, 'lookup', n.timeoutSec ?? DEFAULTS.lookupTimeoutSec);
        const save = assign({
          vars: ({ context, event }: DoneArgs) => {
            const vars = { ...context.vars };
            for (const [k, v] of Object.entries(outOf<LookupOutput>(event) ?? {})) vars[n.into ? `${n.into}.${k}` : k] = String(v);
            return vars;
          },
        });
        return {
          entry: enter(id),
          invoke: {
            src: 'lookup',
            input: ({ context }: Args) => ({ fn: n.fn, view: view(context) }),
            onDone: [
              { guard: ({ event }: DoneArgs) => outOf<LookupOutput>(event) === null, target: go(n.notFound), reenter: true, actions: outcome(id, 'not-found') },
              { target: go(n.found), reenter: true, actions: [save, outcome(id, 'found')] },
            ],
            onError: { target: go(fallback), reenter: true, actions: [outcome(id, 'error'), assign({ error: ({ event }: ErrArgs) => ({ code: errCode(errOf(event)), message: String((errOf(event) as Error | undefined)?.message ?? errOf(event)) }) })] },
          },
          after: { [timeout]: { target: go(fallback), reenter: true, actions: outcome(id, 'timeout') } },
        };
      }
      case 'hangup':
        return n.prompt
          ? { entry: enter(id), invoke: playInvoke(id, n.prompt, go('__end')) }
          : { entry: enter(id), always: go('__end') };
    }
  };

  for (const [id, n] of Object.entries(def.nodes) as [string, FlowNode][]) states[id] = compileNode(id, n);

  const markCaller = assign({ out: ({ context }: Args) => ({ ...context.out, hungUpBy: context.out.hungUpBy ?? ('caller' as const) }) });
  states.__answer = {
    // A failed answer (e.g. the dialplan already answered) must not drop the caller: carry on
    // and note the error; a gone channel ends the flow.
    invoke: {
      src: 'answer',
      input: ({ context }: Args) => ({ channelId: context.input.channelId }),
      onDone: go(def.start),
      onError: [
        { guard: isGone, target: go('__gone') },
        { target: go(def.start), actions: assign({ error: ({ event }: ErrArgs) => ({ code: errCode(errOf(event)), message: `answer failed: ${String((errOf(event) as Error | undefined)?.message ?? errOf(event))}` }) }) },
      ],
    },
  };
  states.__end = {
    entry: assign({ out: ({ context }: Args) => ({ ...context.out, hungUpBy: context.out.hungUpBy ?? ('app' as const) }) }),
    invoke: { src: 'hangup', input: ({ context }: Args) => ({ channelId: context.input.channelId }), onDone: '__done', onError: '__done' },
  };
  states.__done = { type: 'final' };
  states.__gone = { type: 'final', entry: markCaller };

  const machine = setup({
    types: {} as { context: Ctx; input: CallInput; events: CallEvent; output: CallOutput },
    actors: {
      answer: notProvided('answer') as ReturnType<typeof fromPromise<void, { channelId: string }>>,
      play: notProvided('play') as ReturnType<typeof fromPromise<PlayOutput, unknown>>,
      record: notProvided('record') as ReturnType<typeof fromPromise<RecordOutput, unknown>>,
      queue: notProvided('queue') as ReturnType<typeof fromPromise<QueueOutcome, unknown>>,
      dial: notProvided('dial') as ReturnType<typeof fromPromise<DialOutput, unknown>>,
      transfer: notProvided('transfer') as ReturnType<typeof fromPromise<void, unknown>>,
      hangup: notProvided('hangup') as ReturnType<typeof fromPromise<void, unknown>>,
      lookup: notProvided('lookup') as ReturnType<typeof fromPromise<LookupOutput, unknown>>,
      hours: notProvided('hours') as ReturnType<typeof fromPromise<HoursOutput, unknown>>,
    },
    delays,
  }).createMachine({
    id: ROOT,
    context: ({ input }: { input: CallInput }) => ({
      input,
      // The flow decides the starting language (the channel's is usually Asterisk's 'en'
      // default); a campaign row or dialplan may still force one with the `language` variable.
      language: input.variables.language ?? def.language,
      vars: { ...input.variables },
      path: [],
      attempts: 0,
      digits: '',
      out: {},
    }),
    initial: def.answer === false ? def.start : '__answer',
    on: { 'call.hangup': { target: `.__gone`, actions: markCaller } },
    states: states as never,
    output: ({ context }: { context: Ctx }): CallOutput => {
      const hubspotContactId = Object.entries(context.vars).find(([k]) => k === 'hubspotContactId' || k.endsWith('.hubspotContactId'))?.[1];
      return {
        path: context.path,
        language: context.language,
        // Digits of sensitive gathers never leave the machine (records, HubSpot, reports).
        variables: sensitiveVars.size ? Object.fromEntries(Object.entries(context.vars).filter(([k]) => !sensitiveVars.has(k))) : context.vars,
        ...context.out,
        ...(hubspotContactId ? { hubspotContactId } : {}),
      };
    },
  } as never) as unknown as AnyStateMachine;

  return { id: def.id, version, language: def.language, machine, definition: def };
}

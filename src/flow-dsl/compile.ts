// Compiles a FlowDefinition into an XState v5 machine. Each flow node becomes a top-level
// state (same id); menus and gathers get sub-states for prompt / waiting / retry. The
// machine never awaits anything itself: I/O happens in invoked actors referenced by name
// (see actor-types.ts) and every timeout is a named delay, so tests drive it with a
// simulated clock. Time stamps come from the injected `now`, never from the global clock.
import { assign, fromPromise, setup, type AnyStateMachine } from 'xstate';
import type { CallEvent, CallInput, CallOutput, CompiledFlow } from '../calls/contract.ts';
import type {
  DialOutput, HoursOutput, LookupOutput, PlayOutput, QueueOutcome, RecordOutput,
} from './actor-types.ts';
import { createFlowKit, errCode, errOf, go, hashText, isGone, notProvided, ROOT, type Args, type Ctx, type ErrArgs } from './compile-kit.ts';
import { compileNode } from './compile-nodes.ts';
import type { FlowDefinition, FlowNode, GatherNode } from './types.ts';

export { DEFAULTS, hashText, interpolate, promptIds, type FlowContext } from './compile-kit.ts';

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

export function compileFlow(def: FlowDefinition, opts: CompileOptions = {}): CompiledFlowEx {
  const now = opts.now ?? (() => new Date());
  const soundPrefix = opts.soundPrefix ?? '';
  const version = opts.version ?? hashText(JSON.stringify(def, (_k, v: unknown) => (typeof v === 'function' || v instanceof RegExp ? String(v) : v)));
  const kit = createFlowKit(now, soundPrefix);
  const delays = kit.delays;
  const sensitiveVars = new Set(Object.values(def.nodes as Record<string, FlowNode>).filter((n): n is GatherNode<string> => n.type === 'gather' && n.sensitive === true).map((n) => n.into));

  const states: Record<string, object> = {};
  for (const [id, n] of Object.entries(def.nodes) as [string, FlowNode][]) states[id] = compileNode(kit, id, n);

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
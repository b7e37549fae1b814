// One top-level state per flow node (same id): play, hours, queue, dial, transfer, voicemail,
// variables, branches, lookups and hangup; menus and gathers are in compile-dtmf.ts.
import { assign } from 'xstate';
import { hoursBranch } from '../domain/hours.ts';
import { interpolateDialDigits } from '../domain/dial-policy.ts';
import type { DialOutput, HoursOutput, LookupOutput, QueueOutcome, RecordOutput } from './actor-types.ts';
import { DEFAULTS, errCode, errOf, go, interpolate, isGone, outOf, type Args, type DoneArgs, type ErrArgs, type FlowKit } from './compile-kit.ts';
import { compileGather, compileMenu } from './compile-dtmf.ts';
import type { FlowNode } from './types.ts';

export function compileNode(kit: FlowKit, id: string, n: FlowNode): object {
  const { now, delay, templVars, view, step, enter, outcome, playInvoke } = kit;
  switch (n.type) {
    case 'play':
      return {
        entry: enter(id),
        invoke: playInvoke(id, n.prompts, go(n.next)),
        ...(n.bargeIn ? { on: { 'call.dtmf': { target: go(n.next), reenter: true, actions: outcome(id, 'barge-in', (a) => String(a.event.digit ?? '')) } } } : {}),
      };
    case 'menu':
      return compileMenu(kit, id, n);
    case 'gather':
      return compileGather(kit, id, n);
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
            return { callId: context.input.callId, channelId: context.input.channelId, queueId: n.queue, language: context.language, ...(skills.length ? { skills } : {}), afterAgent: byOutcome.answered === '__end' ? 'hangup' : 'continue' };
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

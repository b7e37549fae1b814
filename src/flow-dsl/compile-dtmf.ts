// Menus and gathers: the nodes that prompt, wait for keys and retry (sub-states prompt /
// waiting / invalid / timedOut and their re-prompts).
import { assign } from 'xstate';
import { DEFAULTS, go, type Args, type FlowKit } from './compile-kit.ts';
import type { GatherNode, MenuNode, Prompts } from './types.ts';

export function compileMenu(kit: FlowKit, id: string, n: MenuNode<string>) {
  const { delay, enter, outcome, playInvoke, bump, resetAttempts } = kit;
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

export function compileGather(kit: FlowKit, id: string, n: GatherNode<string>) {
  const { delay, enter, outcome, playInvoke, bump, resetAttempts } = kit;
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

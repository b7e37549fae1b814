// Tiny call machines written directly with xstate setup(), conforming to the call contract
// (input CallInput, events CallEvent, output CallOutput). They use the primitives of
// src/calls/actors.ts by name; the real implementations are provided by the session.
import { assign, fromPromise, setup } from 'xstate';
import type { CallEvent, CallInput, CallOutput, CompiledFlow, FlowRegistry } from '../../src/calls/contract.ts';
import type { IvrStep } from '../../src/domain/call-record.ts';
import type { ChannelInput, PlayInput, PlayOutput } from '../../src/calls/actors.ts';

interface Ctx { input: CallInput; path: IvrStep[]; digits: string; hungUpBy?: 'app' | 'caller'; now: () => string }

// Placeholders: a machine must declare its actors; real ones come with .provide().
const notProvided = (name: string) => fromPromise<never, unknown>(async () => { throw new Error(`actor ${name} not provided`); });

const stamp = () => new Date().toISOString();

/** answer → play hello → wait for the caller to hang up. */
export const helloMachine = setup({
  types: { input: {} as CallInput, events: {} as CallEvent, context: {} as Ctx, output: {} as CallOutput },
  actors: {
    answer: notProvided('answer') as unknown as ReturnType<typeof fromPromise<void, ChannelInput>>,
    play: notProvided('play') as unknown as ReturnType<typeof fromPromise<PlayOutput, PlayInput>>,
  },
}).createMachine({
  id: 'hello',
  context: ({ input }) => ({ input, path: [], digits: '', now: stamp }),
  initial: 'answering',
  on: { 'call.hangup': { target: '.hungUp', actions: assign({ hungUpBy: 'caller' }) } },
  states: {
    answering: {
      invoke: { src: 'answer', input: ({ context }) => ({ channelId: context.input.channelId }), onDone: 'greeting' },
    },
    greeting: {
      entry: assign({ path: ({ context }) => [...context.path, { node: 'greeting', at: context.now() }] }),
      invoke: {
        src: 'play',
        input: ({ context }) => ({ channelId: context.input.channelId, media: ['sound:hello-world'], language: context.input.language }),
        onDone: { target: 'waiting', actions: assign({ path: ({ context }) => [...context.path.slice(0, -1), { ...context.path.at(-1)!, outcome: 'played' }] }) },
      },
    },
    waiting: {},
    hungUp: { type: 'final' },
  },
  output: ({ context }) => ({ path: context.path, ...(context.hungUpBy ? { hungUpBy: context.hungUpBy } : {}) }),
});

/** answer → for every DTMF, play the digit back (barge-in restarts the playback) → until hangup. */
export const menuMachine = setup({
  types: { input: {} as CallInput, events: {} as CallEvent, context: {} as Ctx, output: {} as CallOutput },
  actors: {
    answer: notProvided('answer') as unknown as ReturnType<typeof fromPromise<void, ChannelInput>>,
    play: notProvided('play') as unknown as ReturnType<typeof fromPromise<PlayOutput, PlayInput>>,
  },
}).createMachine({
  id: 'menu',
  context: ({ input }) => ({ input, path: [], digits: '', now: stamp }),
  initial: 'answering',
  on: { 'call.hangup': { target: '.hungUp', actions: assign({ hungUpBy: 'caller' }) } },
  states: {
    answering: {
      invoke: { src: 'answer', input: ({ context }) => ({ channelId: context.input.channelId }), onDone: 'menu' },
    },
    menu: {
      on: {
        'call.dtmf': { target: 'echo', actions: assign({ digits: ({ event }) => event.digit }) },
      },
    },
    echo: {
      entry: assign({ path: ({ context }) => (context.path.length < 20 ? [...context.path, { node: 'menu', at: context.now(), digits: context.digits }] : context.path) }),
      invoke: {
        src: 'play',
        input: ({ context }) => ({ channelId: context.input.channelId, media: [`digits:${context.digits}`] }),
        onDone: 'menu',
        onError: 'menu',
      },
      on: { 'call.dtmf': { target: 'echo', reenter: true, actions: assign({ digits: ({ event }) => event.digit }) } },
    },
    hungUp: { type: 'final' },
  },
  output: ({ context }) => ({ path: context.path, ...(context.hungUpBy ? { hungUpBy: context.hungUpBy } : {}) }),
});

/** A flow whose machine throws while handling DTMF (crash containment tests). */
export const crashMachine = setup({
  types: { input: {} as CallInput, events: {} as CallEvent, context: {} as Ctx },
  actors: { answer: notProvided('answer') as unknown as ReturnType<typeof fromPromise<void, ChannelInput>> },
}).createMachine({
  id: 'crash',
  context: ({ input }) => ({ input, path: [{ node: 'start', at: stamp() }], digits: '', now: stamp }),
  initial: 'answering',
  states: {
    answering: { invoke: { src: 'answer', input: ({ context }) => ({ channelId: context.input.channelId }), onDone: 'up' } },
    up: {
      on: {
        'call.dtmf': { actions: () => { throw new Error('boom in flow'); } },
      },
    },
  },
});

export function testFlows(extra: CompiledFlow[] = []): FlowRegistry & { byId: Map<string, CompiledFlow> } {
  const list: CompiledFlow[] = [
    { id: 'hello', version: 'v1', language: 'es', machine: helloMachine },
    { id: 'menu', version: 'v1', language: 'es', machine: menuMachine },
    { id: 'crash', version: 'v1', language: 'es', machine: crashMachine },
    ...extra,
  ];
  const byId = new Map(list.map((f) => [f.id, f]));
  return {
    byId,
    get: (id) => byId.get(id),
    ids: () => [...byId.keys()],
    forDid: (did) => (did === '6015550000' ? byId.get('hello') : undefined),
  };
}

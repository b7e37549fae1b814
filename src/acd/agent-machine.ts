// One agent's state: logged out, available, ringing, on call, wrap-up, paused (with a
// reason). Only `available` may be offered a call, which is how an agent in several
// queues never gets two calls at once. Pause/logout asked for during a call are kept
// and applied when the call (and its wrap-up) is over. Wrap-up is a named delay, so
// the actor's clock (real or virtual) decides when it ends. No I/O here.
import { assign, setup } from 'xstate';

export type AgentStateName = 'loggedOut' | 'available' | 'ringing' | 'onCall' | 'wrapUp' | 'paused';

export interface AgentContext {
  agentId: string;
  callId?: string;
  queueId?: string;
  wrapUpMs: number;
  pauseReason?: string;
  pending?: { kind: 'pause'; reason: string } | { kind: 'logout' };
}

export type AgentEvent =
  | { type: 'LOGIN' }
  | { type: 'LOGOUT' }
  | { type: 'PAUSE'; reason: string }
  | { type: 'UNPAUSE' }
  | { type: 'OFFER'; callId: string; queueId: string; wrapUpMs: number }
  // The call id makes a stale event about an earlier call harmless.
  | { type: 'RING_END'; callId: string } // nobody answered / cancelled / busy
  | { type: 'CONNECT'; callId: string } // answered and bridged
  | { type: 'CALL_END'; callId: string }
  // A consult (attended transfer) this agent took was cancelled: free again, no wrap-up.
  | { type: 'RELEASE'; callId: string }
  // The agent's wrap-up was submitted (console): wrap-up ends before its configured time.
  | { type: 'WRAP_UP_DONE'; callId: string };

export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentEvent,
    input: {} as { agentId: string },
  },
  delays: {
    wrapUp: ({ context }) => context.wrapUpMs,
  },
  guards: {
    pendingLogout: ({ context }) => context.pending?.kind === 'logout',
    sameCall: ({ context, event }) => 'callId' in event && event.callId === context.callId,
    pendingPause: ({ context }) => context.pending?.kind === 'pause',
  },
  actions: {
    clearCall: assign({ callId: undefined, queueId: undefined }),
  },
}).createMachine({
  id: 'agent',
  context: ({ input }) => ({ agentId: input.agentId, wrapUpMs: 0 }),
  initial: 'loggedOut',
  states: {
    loggedOut: {
      entry: assign({ pending: undefined, pauseReason: undefined }),
      on: { LOGIN: 'available' },
    },
    available: {
      on: {
        LOGOUT: 'loggedOut',
        PAUSE: { target: 'paused', actions: assign({ pauseReason: ({ event }) => event.reason }) },
        OFFER: {
          target: 'ringing',
          actions: assign({ callId: ({ event }) => event.callId, queueId: ({ event }) => event.queueId, wrapUpMs: ({ event }) => event.wrapUpMs }),
        },
      },
    },
    ringing: {
      on: {
        CONNECT: { guard: 'sameCall', target: 'onCall' },
        RING_END: { guard: 'sameCall', target: 'settle', actions: 'clearCall' },
        LOGOUT: { actions: assign({ pending: { kind: 'logout' } }) },
        PAUSE: { actions: assign({ pending: ({ event }) => ({ kind: 'pause' as const, reason: event.reason }) }) },
        UNPAUSE: { actions: assign({ pending: undefined }) },
      },
    },
    onCall: {
      on: {
        CALL_END: { guard: 'sameCall', target: 'wrapUp' },
        RELEASE: { guard: 'sameCall', target: 'settle', actions: 'clearCall' },
        LOGOUT: { actions: assign({ pending: { kind: 'logout' } }) },
        PAUSE: { actions: assign({ pending: ({ event }) => ({ kind: 'pause' as const, reason: event.reason }) }) },
        UNPAUSE: { actions: assign({ pending: undefined }) },
      },
    },
    wrapUp: {
      after: { wrapUp: { target: 'settle', actions: 'clearCall' } },
      on: {
        WRAP_UP_DONE: { guard: 'sameCall', target: 'settle', actions: 'clearCall' },
        // Ending wrap-up early by pausing or logging out is allowed: the call is over.
        LOGOUT: { target: 'loggedOut', actions: 'clearCall' },
        PAUSE: { target: 'paused', actions: ['clearCall', assign({ pauseReason: ({ event }) => event.reason, pending: undefined })] },
        UNPAUSE: { actions: assign({ pending: undefined }) },
      },
    },
    settle: {
      always: [
        { guard: 'pendingLogout', target: 'loggedOut' },
        { guard: 'pendingPause', target: 'paused', actions: assign({ pauseReason: ({ context }) => (context.pending?.kind === 'pause' ? context.pending.reason : undefined), pending: undefined }) },
        { target: 'available' },
      ],
    },
    paused: {
      on: {
        UNPAUSE: { target: 'available', actions: assign({ pauseReason: undefined }) },
        PAUSE: { actions: assign({ pauseReason: ({ event }) => event.reason }) },
        LOGOUT: 'loggedOut',
      },
    },
  },
});

// Real implementations of the actors a compiled flow invokes (names in actor-types.ts),
// over the Telephony port, the ACD port, the hours service and the flows' lookups.
// answer / play / hangup are the call layer's primitives (src/calls/actors.ts), reused so
// there is one playback tracker per process; the rest are flow-specific.
import { fromPromise, type AnyActorLogic } from 'xstate';
import { actorImplementations, createCallActors } from '../calls/actors.ts';
import { STASIS_ROLES, type CallServices, type StasisRoleHandler } from '../calls/contract.ts';
import { CentralitaError, ChannelGoneError } from '../errors.ts';
import { createDialActor } from './dial.ts';
import { reconnectWatch } from '../telephony/reconnect.ts';
import type { Telephony, TelephonyEvent } from '../telephony/port.ts';
import type {
  HoursInput, HoursOutput, LookupInput, LookupOutput, QueueInput, QueueOutcome, RecordInput, RecordOutput, TransferInput,
} from './actor-types.ts';
import type { LookupFn, LookupServices } from './types.ts';

export interface HoursService {
  evaluate(scheduleId: string, at: string): Promise<HoursOutput>;
}

export interface FlowActorServices extends CallServices {
  hours?: HoursService;
  /** flows/lookups exports, or a getter (registry.current().lookups) to follow hot reloads. */
  lookups?: Record<string, LookupFn> | (() => Record<string, LookupFn>);
  lookupServices?: LookupServices;
  /** Unique ids for playbacks and dial legs (default crypto.randomUUID). */
  newId?: () => string;
  /** Folder prefix for voicemail recordings (Asterisk stores them under its recording dir). */
  voicemailPrefix?: string;
  /** Safety net when the PBX never reports the end of a dial attempt (default timeout + 15 s). */
  dialGraceMs?: number;
}

export class FlowActorError extends CentralitaError {}

/**
 * Waits for the first event `pick` maps to a value; rejects on abort. Unsubscribes always.
 * `resync` runs after each reconnect (events of the gap are lost) and may settle the wait.
 */
function waitForEvent<T>(telephony: Telephony, signal: AbortSignal, pick: (ev: TelephonyEvent) => T | undefined, resync?: () => Promise<T | undefined>): { promise: Promise<T>; cancel: () => void } {
  let off: () => void = () => {};
  const promise = new Promise<T>((resolve, reject) => {
    const settle = (v: T) => { off(); resolve(v); };
    const reconnected = reconnectWatch(() => { void resync?.().then((v) => { if (v !== undefined) settle(v); }, () => {}); });
    off = telephony.onEvent((ev) => {
      if (ev.type === 'connection') { reconnected(ev); return; }
      const v = pick(ev);
      if (v !== undefined) settle(v);
    });
    signal.addEventListener('abort', () => { off(); reject(new FlowActorError('ABORTED', 'actor stopped')); }, { once: true });
  });
  promise.catch(() => {});
  return { promise, cancel: () => off() };
}

/**
 * Every actor a compiled flow needs, ready for `machine.provide({ actors })`.
 * `dispose()` removes the shared playback listener.
 */
export function createFlowActors(s: FlowActorServices) {
  const { telephony } = s;
  const newId = s.newId ?? (() => globalThis.crypto.randomUUID());
  const base = createCallActors({ telephony, newId });
  const prim = actorImplementations(base);

  const record = fromPromise<RecordOutput, RecordInput>(async ({ input, signal }) => {
    const name = `${s.voicemailPrefix ?? 'voicemail/'}${input.name}`;
    // Listen before asking: a very short message may finish before the REST answer.
    const done = waitForEvent<RecordOutput | Error>(telephony, signal, (ev) => {
      if (ev.type === 'recording.finished' && ev.name === name) return { name, ...(ev.durationSec !== undefined ? { durationSec: ev.durationSec } : {}) };
      if (ev.type === 'recording.failed' && ev.name === name) return new FlowActorError('RECORDING_FAILED', `recording ${name} failed: ${ev.cause ?? 'unknown'}`);
      return undefined;
    }, async () => ((await telephony.liveRecordingState(name)) === undefined ? { name } : undefined)); // ended while the socket was down
    try {
      await telephony.record(input.channelId, { name, format: 'wav', maxDurationSec: input.maxDurationSec, beep: input.beep, terminateOn: '#', ifExists: 'overwrite' });
    } catch (err) {
      done.cancel();
      throw err;
    }
    const r = await done.promise;
    if (r instanceof Error) throw r;
    return r;
  });

  const queue = fromPromise<QueueOutcome, QueueInput>(async ({ input, signal }) => {
    if (!s.acd) throw new FlowActorError('ACD_UNAVAILABLE', `no ACD configured; cannot queue call ${input.callId} in '${input.queueId}'`);
    return s.acd.join({ ...input, signal });
  });

  // The dial node's legs are owned here: main.ts registers `roles` with the call service.
  const dialer = createDialActor({ telephony, newId, ...(s.dialGraceMs !== undefined ? { graceMs: s.dialGraceMs } : {}) });
  const dial = dialer.dial;

  const transfer = fromPromise<void, TransferInput>(async ({ input }) => {
    if (input.refused) throw new FlowActorError('DIAL_VALUE_NOT_DIGITS', input.refused);
    await telephony.continueInDialplan(input.channelId, { context: input.context, extension: input.extension, priority: input.priority ?? 1 });
  });

  const hangup = fromPromise<void, { channelId: string }>(async ({ input }) => {
    try {
      await telephony.hangup(input.channelId, 'normal');
    } catch (err) {
      if (!(err instanceof ChannelGoneError)) throw err;
    }
  });

  const lookup = fromPromise<LookupOutput, LookupInput>(async ({ input, signal }) => {
    const table = typeof s.lookups === 'function' ? s.lookups() : s.lookups;
    const fn = table?.[input.fn];
    if (!fn) throw new FlowActorError('LOOKUP_UNKNOWN', `lookup '${input.fn}' is not exported by flows/lookups`);
    return fn({ view: input.view, signal }, s.lookupServices ?? {});
  });

  const hours = fromPromise<HoursOutput, HoursInput>(async ({ input }) => {
    if (!s.hours) throw new FlowActorError('HOURS_UNAVAILABLE', 'no hours service configured');
    return s.hours.evaluate(input.scheduleId, input.at);
  });

  return {
    actors: { ...prim, hangup, record, queue, dial, transfer, lookup, hours } as Record<string, AnyActorLogic>,
    /** Stasis roles whose channels these actors own (register each with the call service). */
    roles: { [STASIS_ROLES.dialLeg]: dialer.handleDialLegStart } as Record<string, StasisRoleHandler>,
    pendingDialLegs: dialer.pendingLegs,
    dispose: base.dispose,
  };
}

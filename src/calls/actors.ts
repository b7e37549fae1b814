// The basic call primitives as XState invoked actors over the Telephony port. Call
// machines reference them by name (CALL_ACTORS) and never await I/O themselves; the
// session provides these implementations with `machine.provide({ actors })`.
// Flows (src/flow-dsl) build menus, queues etc. on top of these.
import { fromPromise } from 'xstate';
import type { Telephony, TelephonyEvent, HangupReason } from '../telephony/port.ts';
import { CentralitaError } from '../errors.ts';
import { reconnectWatch } from '../telephony/reconnect.ts';

/** Names under which the primitives are provided to every call machine. */
export const CALL_ACTORS = {
  answer: 'answer',
  ring: 'ring',
  play: 'play',
  hangup: 'hangup',
  continueInDialplan: 'continueInDialplan',
  setVariable: 'setVariable',
  startMoh: 'startMoh',
  stopMoh: 'stopMoh',
  sendDtmf: 'sendDtmf',
} as const;

export interface ChannelInput { channelId: string }
export interface PlayInput { channelId: string; media: string[]; language?: string }
export interface PlayOutput { playbackId: string; state: 'done' | 'stopped' | 'failed' }
export interface HangupInput { channelId: string; reason?: HangupReason }
export interface ContinueInput { channelId: string; context?: string; extension?: string; priority?: number; label?: string }
export interface SetVariableInput { channelId: string; name: string; value: string }
export interface MohInput { channelId: string; mohClass?: string }
export interface SendDtmfInput { channelId: string; dtmf: string }

/** A playback whose PlaybackFinished never came (unsupported media, events lost in a gap). */
export class PlaybackLostError extends CentralitaError {
  constructor(playbackId: string, ms: number) {
    super('PLAYBACK_LOST', `playback ${playbackId} did not finish within ${ms} ms`);
  }
}

export interface CallActorsOptions {
  telephony: Telephony;
  /** Upper bound for one playback; the PBX never reports some (unknown media scheme). Default 10 min. */
  maxPlaybackMs?: number;
  newId?: () => string;
}

/**
 * Builds the actor implementations. One shared event listener resolves every pending
 * playback by id (no per-call listeners); call `dispose()` when the service stops.
 */
export function createCallActors(opts: CallActorsOptions) {
  const { telephony } = opts;
  const maxPlaybackMs = opts.maxPlaybackMs ?? 600_000;
  const newId = opts.newId ?? (() => globalThis.crypto.randomUUID());
  const waiting = new Map<string, (state: PlayOutput['state']) => void>();

  // A prompt that ended while the socket was down is never reported: ask the PBX about every
  // pending one, or the flow waits for a PlaybackFinished that will not come (dead air).
  const reconnected = reconnectWatch(() => { void resyncPlaybacks(); });
  const unsubscribe = telephony.onEvent((ev: TelephonyEvent) => {
    if (ev.type === 'connection') { reconnected(ev); return; }
    if (ev.type !== 'playback.finished') return;
    const done = waiting.get(ev.playbackId);
    if (done) done(ev.state);
  });
  async function resyncPlaybacks(): Promise<number> {
    let ended = 0;
    await Promise.all([...waiting].map(async ([id, done]) => {
      try {
        if ((await telephony.playbackState(id)) === undefined) { ended++; done('done'); }
      } catch {
        // PBX unreachable again: the next reconnect asks again; the playback timeout is the backstop.
      }
    }));
    return ended;
  }

  const play = fromPromise<PlayOutput, PlayInput>(async ({ input, signal }) => {
    // Our own id is registered before the request: Asterisk may send PlaybackFinished
    // before the 201 of /play for a short prompt.
    const playbackId = newId();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = new Promise<PlayOutput['state']>((resolve, reject) => {
      waiting.set(playbackId, resolve);
      timer = setTimeout(() => reject(new PlaybackLostError(playbackId, maxPlaybackMs)), maxPlaybackMs);
      timer.unref?.();
    });
    const onAbort = () => {
      // The machine left the state (barge-in, hangup): stop the prompt, ignore failures.
      telephony.stopPlayback(playbackId).catch(() => {});
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await telephony.play(input.channelId, input.media, { playbackId, language: input.language });
      const state = await finished;
      return { playbackId, state };
    } finally {
      waiting.delete(playbackId);
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      finished.catch(() => {});
    }
  });

  return {
    answer: fromPromise<void, ChannelInput>(({ input }) => telephony.answer(input.channelId)),
    ring: fromPromise<void, ChannelInput>(({ input }) => telephony.ring(input.channelId)),
    play,
    hangup: fromPromise<void, HangupInput>(({ input }) => telephony.hangup(input.channelId, input.reason)),
    continueInDialplan: fromPromise<void, ContinueInput>(({ input }) => {
      const { channelId, ...target } = input;
      return telephony.continueInDialplan(channelId, target);
    }),
    setVariable: fromPromise<void, SetVariableInput>(({ input }) => telephony.setVariable(input.channelId, input.name, input.value)),
    startMoh: fromPromise<void, MohInput>(({ input }) => telephony.startMoh(input.channelId, input.mohClass)),
    stopMoh: fromPromise<void, ChannelInput>(({ input }) => telephony.stopMoh(input.channelId)),
    sendDtmf: fromPromise<void, SendDtmfInput>(({ input }) => telephony.sendDtmf(input.channelId, input.dtmf)),
    /** Pending playbacks (for leak checks). */
    pendingPlaybacks: () => waiting.size,
    /** Asks the PBX about every pending playback; those it no longer has are finished. Runs after each reconnect. */
    resyncPlaybacks,
    dispose: unsubscribe,
  };
}

export type CallActors = ReturnType<typeof createCallActors>;

/** The actor implementations only (what `machine.provide({ actors })` takes). */
export function actorImplementations(a: CallActors) {
  const { pendingPlaybacks: _p, dispose: _d, resyncPlaybacks: _r, ...impl } = a;
  return impl;
}

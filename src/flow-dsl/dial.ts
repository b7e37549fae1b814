// The `dial` node's actor and the owner of its outbound legs (Stasis role `dial-leg`).
// On Asterisk an originated channel enters Stasis only when the far end answers, and it can
// be bridged only once it is in Stasis: the StasisStart of the leg (routed here by the call
// service, role handler `handleDialLegStart`) is "answered", never ChannelStateChange Up.
// A leg nobody waits for (its dial timed out, the caller left, the app restarted) is hung up,
// never sent to the dialplan. While the leg rings the caller hears a ringing tone.
import { fromPromise } from 'xstate';
import { STASIS_ROLES, type StasisRoleHandler } from '../calls/contract.ts';
import { classifyUnansweredAttempt } from '../domain/hangup-causes.ts';
import { unansweredOutcome } from '../domain/attempt-outcome.ts';
import { ChannelGoneError } from '../errors.ts';
import type { Telephony } from '../telephony/port.ts';
import { reconnectWatch } from '../telephony/reconnect.ts';
import type { DialInput, DialOutput } from './actor-types.ts';

export interface DialActorOptions {
  telephony: Telephony;
  newId: () => string;
  /** Safety net when the PBX never reports the end of a dial attempt (default timeout + 15 s). */
  graceMs?: number;
  /** Played to the caller while the leg rings (default `tone:ring`); '' for silence. */
  ringback?: string;
  onWarning?: (obj: object, msg: string) => void;
}

interface PendingLeg {
  callId: string;
  answered(at: string): void;
}

export function createDialActor(o: DialActorOptions) {
  const { telephony } = o;
  const pending = new Map<string, PendingLeg>();
  const ringback = o.ringback ?? 'tone:ring';
  const warn = o.onWarning ?? (() => {});

  const handleDialLegStart: StasisRoleHandler = (ev) => {
    const legId = ev.channel.id;
    const p = pending.get(legId);
    if (p && ev.args[0] === STASIS_ROLES.dialLeg && ev.args[1] === p.callId) { p.answered(ev.at); return; }
    warn({ legId, args: ev.args }, 'dial leg nobody waits for (dial over, or from before a restart): hanging up');
    telephony.hangup(legId, 'normal').catch(() => {});
  };

  const dial = fromPromise<DialOutput, DialInput>(async ({ input, signal }) => {
    // A substituted value that is not dial digits (toll-fraud guard): nothing is dialled.
    if (input.refused) return { status: 'failed' };
    const peerId = `dial-${o.newId()}`;
    const toneId = `${peerId}-ringback`;
    let answeredAt: number | undefined;
    let bridgeId: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let toneOn = false;
    const stopTone = async () => {
      if (!toneOn) return;
      toneOn = false;
      await telephony.stopPlayback(toneId).catch(() => {});
    };
    let settle!: (r: DialOutput | Error) => void;
    const result = new Promise<DialOutput | Error>((r) => { settle = r; });
    // After a reconnect the leg's StasisStart or ChannelDestroyed may have been lost: ask.
    const reconnected = reconnectWatch(() => {
      telephony.listChannels().then((list) => {
        const leg = list.find((c) => c.id === peerId);
        if (!leg) settle(answeredAt !== undefined ? { status: 'answered', peerChannelId: peerId } : { status: 'failed', peerChannelId: peerId });
        else if (leg.state === 'Up' && answeredAt === undefined) pending.get(peerId)?.answered(new Date().toISOString());
      }, () => {});
    });
    const off = telephony.onEvent((ev) => {
      if (ev.type === 'connection') { reconnected(ev); return; }
      if ((ev.type === 'channel.destroyed' || ev.type === 'call.ended') && ev.channelId === peerId) {
        if (answeredAt !== undefined) settle({ status: 'answered', peerChannelId: peerId, talkSeconds: Math.max(0, Math.round((Date.parse(ev.at) - answeredAt) / 1000)) });
        // An unanswered leg never entered Stasis: only its ChannelDestroyed carries the cause.
        else if (ev.type === 'channel.destroyed') settle({ status: dialStatusFromCause(ev.cause), peerChannelId: peerId, cause: ev.cause });
      }
    });
    pending.set(peerId, {
      callId: input.callId,
      answered(at) {
        if (answeredAt !== undefined) return;
        answeredAt = Number.isNaN(Date.parse(at)) ? Date.now() : Date.parse(at);
        if (timer) clearTimeout(timer);
        void (async () => {
          try {
            await stopTone();
            bridgeId = (await telephony.createBridge({ type: 'mixing', name: `dial-${input.callId}` })).bridgeId;
            await telephony.addToBridge(bridgeId, [input.channelId, peerId]);
          } catch (err) {
            await telephony.hangup(peerId).catch(() => {});
            settle(err instanceof Error ? err : new Error(String(err)));
          }
        })();
      },
    });
    const onAbort = () => settle(new DialAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        await telephony.originate({
          endpoint: input.endpoint,
          channelId: peerId,
          timeoutSec: input.timeoutSec,
          ...(input.callerId !== undefined ? { callerId: input.callerId } : {}),
          appArgs: `${STASIS_ROLES.dialLeg},${input.callId}`,
          originator: input.channelId,
        });
      } catch (err) {
        if (err instanceof ChannelGoneError && err.channelId === input.channelId) throw err;
        return { status: 'failed' };
      }
      if (ringback && answeredAt === undefined) {
        toneOn = true;
        telephony.play(input.channelId, [ringback], { playbackId: toneId }).catch(() => { toneOn = false; });
      }
      timer = setTimeout(() => settle({ status: 'no-answer', peerChannelId: peerId }), o.graceMs ?? input.timeoutSec * 1000 + 15_000);
      timer.unref?.();
      const r = await result;
      if (r instanceof DialAborted) {
        // The caller left (or the flow moved on): the leg must not ring on, or talk to nobody.
        void telephony.hangup(peerId).catch(() => {});
        throw r;
      }
      if (r instanceof Error) throw r;
      if (r.status === 'no-answer' && answeredAt === undefined) void telephony.hangup(peerId).catch(() => {});
      return r;
    } finally {
      off();
      pending.delete(peerId);
      signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      await stopTone();
      if (bridgeId) await telephony.destroyBridge(bridgeId).catch(() => {});
    }
  });

  return { dial, handleDialLegStart, pendingLegs: () => pending.size };
}

/** The dial node's branches are fewer than the cause classes: declined is busy, the rest failed. */
function dialStatusFromCause(cause: number): DialOutput['status'] {
  const o = unansweredOutcome(classifyUnansweredAttempt(undefined, cause));
  return o === 'declined' ? 'busy' : o === 'unknown-number' ? 'failed' : o;
}

class DialAborted extends Error {
  readonly code = 'ABORTED';
  constructor() { super('dial stopped'); }
}

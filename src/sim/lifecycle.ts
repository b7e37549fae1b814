// A channel's life: entering and leaving Stasis, answer and ringing, DTMF, hangup and
// destruction with the events Asterisk sends (technology specifics in tech-local/tech-pjsip).
import type { Chan, Ctx, Snapshot } from './model.ts';
import { causeText, chanEvent, clearChanTimers, dialEvent, note, now, setState, setVar, view } from './core.ts';
import { abortQueue } from './control-queue.ts';
import { bridgeLeave } from './bridges.ts';
import { touchEndpoint } from './endpoints.ts';
import { hangupLocal1, hangupLocal2, propagateAnswer, propagateRinging } from './tech-local.ts';
import { scheduleFarEndScript } from './tech-pjsip.ts';
import { runDialplan } from './dialplan.ts';

export function enterStasis(x: Ctx, c: Chan, app: string, args: string[], fromDialplan: boolean): boolean {
  const a = x.apps.get(app);
  if (!a?.sink) return false;
  c.stasisApp = app;
  c.stasisFromDialplan = fromDialplan;
  c.inDialplanApp = false;
  c.dialplan = { ...c.dialplan, app_name: 'Stasis', app_data: [app, ...args].join(',') };
  if (fromDialplan) setVar(x, c, 'STASISSTATUS', '', false);
  // Stasis events go to the owning app only, never to other subscribers (as traced).
  chanEvent(x, c, 'StasisStart', { args }, new Set([app]));
  return true;
}
export function leaveStasis(x: Ctx, c: Chan): void {
  if (!c.stasisApp) return;
  chanEvent(x, c, 'StasisEnd', {}, new Set([c.stasisApp]));
  c.stasisApp = undefined;
}

/** Stops what a dying channel was doing: playback fails, recording finishes, queued plays fail. */
export function abortActivity(x: Ctx, c: Chan): void {
  c.dying = true;
  abortQueue(c);
  if (c.stepTimer) x.clock.clearTimer(c.stepTimer);
  c.stepTimer = undefined;
}
export function leaveBridgeOnDeath(x: Ctx, c: Chan): void {
  if (c.bridge) bridgeLeave(x, c, 'hangup');
}
function endSnoops(x: Ctx, c: Chan): void {
  for (const s of c.snoops.splice(0)) {
    if (!s.alive) continue;
    abortActivity(x, s);
    leaveBridgeOnDeath(x, s);
    leaveStasis(x, s);
    destroy(x, s, 16);
  }
}

export function destroy(x: Ctx, c: Chan, cause: number): void {
  if (!c.alive) return;
  c.alive = false;
  c.dying = true;
  c.hangupCause = cause;
  clearChanTimers(x, c);
  chanEvent(x, c, 'ChannelDestroyed', { cause, cause_txt: causeText(cause) });
  x.channels.delete(c.id);
  touchEndpoint(x, c);
  const peer = c.dialPeer;
  c.dialPeer = undefined;
  if (peer?.alive) {
    peer.dialPeer = undefined;
    // The other end of a Dial(): it was ringing (caller gave up) or connected (normal clearing).
    if (peer.farEnd && !peer.answered) hangup(x, peer, null, 0);
    else if (peer.tech === 'Local' && peer.half === 2) hangupLocal2(x, peer, null, 16);
    else hangup(x, peer, { cause: 16 }, 16);
  }
  if (c.farEnd) {
    if (!c.farEnd.transcript.some((t) => t.kind === 'hangup')) note(c, { at: now(x), kind: 'hangup', side: c.hangupSide ?? 'pbx', cause });
    x.ended.set(c.id, view(c));
    // Keep the far-end views of the latest calls only: a long-running embedded PBX must not grow.
    if (x.ended.size > x.maxEnded) x.ended.delete(x.ended.keys().next().value!);
  }
}

/** Hangup of one channel up to (not including) ChannelDestroyed. */
export function endPart(x: Ctx, c: Chan, hr: Snapshot | null): void {
  if (hr) chanEvent(x, c, 'ChannelHangupRequest', hr);
  abortActivity(x, c);
  leaveBridgeOnDeath(x, c);
  leaveStasis(x, c);
  endSnoops(x, c);
}
export function flushDtmf(x: Ctx, c: Chan): void {
  for (const d of c.pendingDtmf.splice(0)) chanEvent(x, c, 'ChannelDtmfReceived', { digit: d.digit, duration_ms: d.duration });
}
export function finalCause(c: Chan, fallback: number): number {
  return c.hangupCause ?? c.propagatedCause ?? fallback;
}

/** Any channel ends. `hr` is the ChannelHangupRequest payload (null: no request event). */
export function hangup(x: Ctx, c: Chan, hr: Snapshot | null, cause: number, side: 'far' | 'pbx' = 'pbx'): void {
  if (!c.alive || c.dying) return;
  c.hangupSide = side;
  if (c.tech === 'Local' && c.half === 1) return hangupLocal1(x, c, hr, cause);
  if (c.tech === 'Local' && c.half === 2) return hangupLocal2(x, c, hr, cause);
  endPart(x, c, hr);
  if (c.farEnd && side === 'pbx') note(c, { at: now(x), kind: 'hangup', side: 'pbx', cause });
  destroy(x, c, cause);
}
/** The dialplan ends a channel (Hangup(), end of extension, missing extension). */
export function dialplanHangup(x: Ctx, c: Chan, cause: number, requestCause = 16): void {
  if (c.tech === 'Local' && c.half === 2) hangupLocal2(x, c, null, cause);
  else hangup(x, c, { cause: requestCause }, cause);
}

export function answer(x: Ctx, c: Chan): void {
  if (c.state === 'Up') return;
  c.answered = true;
  setState(x, c, 'Up');
  note(c, { at: now(x), kind: 'answered' });
  if (c.farEnd?.script) scheduleFarEndScript(x, c, c.farEnd.script);
  if (c.tech === 'Local' && c.half === 2) propagateAnswer(x, c);
}
export function indicateRinging(x: Ctx, c: Chan): void {
  note(c, { at: now(x), kind: 'ringing' });
  if (c.tech === 'Local' && c.half === 2) propagateRinging(x, c);
}

/** An answered outbound channel goes where the originate said: a Stasis app or the dialplan. */
export function originateTarget(x: Ctx, c: Chan): void {
  const o = c.originate;
  // Created with /channels/create and dialled: already in Stasis, nothing more to do.
  if (!o || (!o.app && !o.exten)) return;
  if (o.app) {
    setVar(x, c, 'STASISSTATUS', '', false);
    // Not registered: Asterisk hangs the channel up silently.
    if (!enterStasis(x, c, o.app, o.appArgs, false)) hangup(x, c, null, 16);
  } else {
    runDialplan(x, c, o.context ?? 'default', o.exten ?? 's', o.priority ?? 1);
  }
}

/** An outbound channel answered by its far end: Up, `Dial ANSWER`, then where the originate said. */
export function answeredOutbound(x: Ctx, c: Chan, dialstring: string): void {
  if (c.originate?.timer) x.clock.clearTimer(c.originate.timer);
  c.answered = true;
  setState(x, c, 'Up');
  dialEvent(x, c, 'ANSWER', dialstring);
  originateTarget(x, c);
}

/** DTMF sent by `from`: received by the other end of the media path. */
export function dtmfFrom(x: Ctx, from: Chan, digit: string, duration: number): void {
  const to = from.peer;
  if (to?.alive) receiveDtmf(x, to, digit, duration);
}
export function receiveDtmf(x: Ctx, c: Chan, digit: string, duration: number): void {
  if (!c.alive) return;
  if (!c.stasisApp && c.inDialplanApp && c.tech === 'Local') {
    // A channel sitting in Wait() does not read frames: the digit surfaces at hangup.
    c.pendingDtmf.push({ digit, duration });
    return;
  }
  chanEvent(x, c, 'ChannelDtmfReceived', { digit, duration_ms: duration });
  const r = c.recording;
  if (r && r.state === 'recording' && (r.terminateOn === 'any' || r.terminateOn.includes(digit))) r.finish?.('done');
}

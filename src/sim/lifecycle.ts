// A channel's life: entering and leaving Stasis, answer and ringing, DTMF, hangup and
// destruction with the events Asterisk sends (technology specifics in tech-local/tech-pjsip).
import type { Chan, Ctx, Snapshot } from './model.ts';
import { sipOfCause } from '../domain/hangup-causes.ts';
import { allApps, causeText, chanEvent, chanJson, deliver, ts, clearChanTimers, dialEvent, note, now, setApp, setState, view } from './core.ts';
import { trackHearing } from './hearing.ts';
import { observe } from './observer.ts';
import { drainQueue, flushQueue, stopCurrent } from './control-queue.ts';
import { bridgeLeave } from './bridges.ts';
import { touchEndpoint } from './endpoints.ts';
import { hangupLocal1, hangupLocal2, propagateAnswer, propagateRinging } from './tech-local.ts';
import { scheduleFarEndScript } from './tech-pjsip.ts';
import { runDialplan } from './dialplan.ts';

export function enterStasis(x: Ctx, c: Chan, app: string, args: string[], fromDialplan: boolean): boolean {
  const a = x.apps.get(app);
  // STASISSTATUS is cleared on the way in, even when the app is not there (then FAILED follows).
  if (!a?.sink) {
    if (fromDialplan) stasisStatus(x, c, '');
    return false;
  }
  c.stasisApp = app;
  c.stasisFromDialplan = fromDialplan;
  c.inDialplanApp = false;
  // An originated or created channel shows its own application again once out of Stasis.
  if (!fromDialplan) c.preStasisApp = { app_name: c.dialplan.app_name, app_data: c.dialplan.app_data };
  setApp(x, c, 'Stasis', [app, ...args].join(','));
  stasisStatus(x, c, '');
  // Stasis events go to the owning app only, never to other subscribers (as traced).
  chanEvent(x, c, 'StasisStart', { args }, new Set([app]));
  return true;
}
/** `to`: where /continue sends the channel (it points there before STASISSTATUS is set). */
export function leaveStasis(x: Ctx, c: Chan, to?: { context: string; exten: string; priority: number }): void {
  if (!c.stasisApp) return;
  chanEvent(x, c, 'StasisEnd', {}, new Set([c.stasisApp]));
  c.stasisApp = undefined;
  if (c.pendingCaller) {
    c.caller = c.pendingCaller;
    c.pendingCaller = undefined;
  }
  if (to) {
    c.preStasisApp = undefined;
    c.dialplan = { ...c.dialplan, context: to.context, exten: to.exten, priority: to.priority - 1 };
  }
  stasisStatus(x, c, 'SUCCESS');
  if (c.preStasisApp) setApp(x, c, c.preStasisApp.app_name, c.preStasisApp.app_data);
  c.preStasisApp = undefined;
}
/** STASISSTATUS is set just outside Stasis: only the channel's subscribers hear it (traced). */
export function stasisStatus(x: Ctx, c: Chan, value: string): void {
  c.vars.set('STASISSTATUS', value);
  const rec = allApps(x);
  for (const [a, n] of c.subs) if (n > 0) rec.add(a);
  deliver(x, rec, { variable: 'STASISSTATUS', value, type: 'ChannelVarset', timestamp: ts(x), channel: chanJson(x, c) });
}

/** A dying channel stops what it was doing (the running command, its dialplan step). */
export function abortActivity(x: Ctx, c: Chan): void {
  c.dying = true;
  const abort = c.onAbort;
  c.onAbort = undefined;
  abort?.();
  stopCurrent(c);
  if (c.stepTimer) x.clock.clearTimer(c.stepTimer);
  c.stepTimer = undefined;
}
/** A Dial()'s basic bridge: the ending channel leaves it and its peer is let go too. */
function leaveDialBridge(x: Ctx, c: Chan): void {
  const b = c.dialBridge;
  if (!b) return;
  c.dialBridge = undefined;
  const peer = c.dialPeer;
  observe(x, 'bridge', c, { ...b, members: peer?.dialBridge ? [peer] : [] }, false);
  if (peer?.dialBridge) {
    peer.dialBridge = undefined;
    observe(x, 'bridge', peer, { ...b, members: [] }, false);
  }
}
export function leaveBridgeOnDeath(x: Ctx, c: Chan): void {
  if (c.bridge) bridgeLeave(x, c, 'hangup');
}
function endSnoops(x: Ctx, c: Chan): void {
  for (const s of c.snoops.splice(0)) {
    if (!s.alive) continue;
    abortActivity(x, s);
    flushQueue(s);
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
  flushQueue(c);
  const tech = c.tech === 'PJSIP' ? (c.techCause ?? sipOfCause(cause)) : undefined;
  if (c.pendingCaller) c.caller = c.pendingCaller;
  // The application a channel ran is cleared when it ends (AppDial/AppDial2 were never run).
  if (!c.dialplan.app_name.startsWith('AppDial')) setApp(x, c, '', '');
  chanEvent(x, c, 'ChannelDestroyed', { cause, cause_txt: causeText(cause), ...(tech !== undefined ? { tech_cause: tech } : {}) });
  const ended = c.onEnded;
  c.onEnded = undefined;
  ended?.();
  leaveDialBridge(x, c);
  observe(x, 'ended', c, cause);
  x.channels.delete(c.id);
  touchEndpoint(x, c);
  const peer = c.dialPeer;
  c.dialPeer = undefined;
  if (peer?.alive) {
    peer.dialPeer = undefined;
    peer.hangupSource ??= c.hangupSource ?? '';
    // The other end of a Dial(): it was ringing (caller gave up) or connected (normal clearing).
    if (peer.farEnd && !peer.answered) hangup(x, peer, null, 0);
    else if (peer.tech === 'Local' && peer.half === 2) hangupLocal2(x, peer, null, 16);
    else hangup(x, peer, { cause: 16 }, 16);
  }
  if (c.farEnd) {
    if (!c.farEnd.transcript.some((t) => t.kind === 'hangup')) note(x, c, { at: now(x), kind: 'hangup', side: c.hangupSide ?? 'pbx', cause });
    trackHearing(x, c);
    x.ended.set(c.id, view(c));
    // Keep the far-end views of the latest calls only: a long-running embedded PBX must not grow.
    if (x.ended.size > x.maxEnded) x.ended.delete(x.ended.keys().next().value!);
  }
}

/**
 * Hangup of one channel up to (not including) ChannelDestroyed, then `then`: the request is
 * announced, the running command stops, Stasis runs what was queued, the channel leaves its
 * bridge and Stasis.
 */
export function endPart(x: Ctx, c: Chan, hr: Snapshot | null, then: () => void = () => undefined): void {
  if (hr) chanEvent(x, c, 'ChannelHangupRequest', hr);
  abortActivity(x, c);
  const finish = () => {
    leaveBridgeOnDeath(x, c);
    leaveStasis(x, c);
    endSnoops(x, c);
    then();
  };
  if (c.stasisApp) drainQueue(c, finish);
  else {
    flushQueue(c);
    finish();
  }
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
  endPart(x, c, hr, () => {
    if (c.farEnd && side === 'pbx') note(x, c, { at: now(x), kind: 'hangup', side: 'pbx', cause });
    destroy(x, c, cause);
  });
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
  note(x, c, { at: now(x), kind: 'answered' });
  if (c.farEnd?.script) scheduleFarEndScript(x, c, c.farEnd.script);
  if (c.tech === 'Local' && c.half === 2) propagateAnswer(x, c);
}
export function indicateRinging(x: Ctx, c: Chan): void {
  note(x, c, { at: now(x), kind: 'ringing' });
  if (c.tech === 'Local' && c.half === 2) propagateRinging(x, c);
}

/** An answered outbound channel goes where the originate said: a Stasis app or the dialplan. */
export function originateTarget(x: Ctx, c: Chan): void {
  const o = c.originate;
  // Created with /channels/create and dialled: already in Stasis, nothing more to do.
  if (!o || (!o.app && !o.exten)) return;
  if (o.app) {
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

/** Media from `from` reaches its peer: an Answer() waiting for the first frame returns. */
export function mediaTo(x: Ctx, from: Chan): void {
  void x;
  from.peer?.awaitingMedia?.();
}
/** A digit starts on `from` (DTMF begin frame): it ends a peer's Answer() media wait and is held back. */
export function dtmfBeginFrom(x: Ctx, from: Chan): void {
  const to = from.peer;
  if (to?.awaitingMedia && to.tech === 'Local') {
    to.deferDtmf = true;
    to.awaitingMedia();
  }
  void x;
}

/** DTMF sent by `from`: received by the other end of the media path. */
export function dtmfFrom(x: Ctx, from: Chan, digit: string, duration: number): void {
  const to = from.peer;
  if (to?.alive) receiveDtmf(x, to, digit, duration);
}
export function receiveDtmf(x: Ctx, c: Chan, digit: string, duration: number): void {
  if (!c.alive) return;
  if (!c.stasisApp && c.tech === 'Local' && c.deferDtmf) {
    // The digit began while Answer() waited for media: it is queued back and surfaces at hangup.
    c.pendingDtmf.push({ digit, duration });
    return;
  }
  chanEvent(x, c, 'ChannelDtmfReceived', { digit, duration_ms: duration });
  const r = c.recording;
  if (r && r.state === 'recording' && (r.terminateOn === 'any' || r.terminateOn.includes(digit))) r.finish?.('done');
}

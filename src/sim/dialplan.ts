// The dialplan (pbx.c and the applications the simulator models): extension matching with
// Asterisk patterns, running steps, and Dial() to a far end as FreePBX destinations do.
import type { DialplanStep } from './types.ts';
import type { Chan, Ctx } from './model.ts';
import { dialEvent, later, note, now, setApp, setState, setVar, splitEndpoint, uuid } from './core.ts';
import { dialplanPrompt } from './hearing.ts';
import { observe } from './observer.ts';
import { runQueue } from './app-queue.ts';
import { answer, dialplanHangup, dtmfFrom, enterStasis, finalCause, hangup, indicateRinging, stasisStatus } from './lifecycle.ts';
import { dialEventStatus, dialStatusOfCause } from '../domain/hangup-causes.ts';
import { localBusy, propagateRinging } from './tech-local.ts';
import { behaviorFor, createPjsipChannel, ringFarEnd, scheduleFarEndScript } from './tech-pjsip.ts';

/** The application data Asterisk shows in a channel's dialplan location. */
function appData(step: DialplanStep): string {
  switch (step.app) {
    case 'Wait':
      return Number.isFinite(step.seconds) ? String(step.seconds) : '';
    case 'Stasis':
      return [step.appName, ...(step.args ?? [])].join(',');
    case 'Playback':
      return step.sound;
    case 'SendDTMF':
      return step.digits;
    case 'Hangup':
      return step.cause === undefined ? '' : String(step.cause);
    case 'Dial':
      return `${step.endpoint},${step.timeoutSec ?? ''}`;
    case 'NoOp':
      return step.text ?? '';
    case 'Queue':
      return `${step.queue},t,,,${step.timeoutSec ?? ''}`;
    case 'Goto':
      return `${step.context},${step.exten},${step.priority ?? 1}`;
    case 'MixMonitor':
      return `${step.file},ai(LOCAL_MIXMON_ID)`;
    default:
      return '';
  }
}

const ANSWER_MS = 3;
const ANSWER_MEDIA_WAIT_MS = 500;

/** Asterisk extension pattern (without the leading _) to a RegExp. */
export function patternRegex(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === 'X') re += '[0-9]';
    else if (ch === 'Z') re += '[1-9]';
    else if (ch === 'N') re += '[2-9]';
    else if (ch === '.') re += '.+';
    else if (ch === '!') re += '.*';
    else if (ch === '[') {
      const end = p.indexOf(']', i);
      re += `[${p.slice(i + 1, end < 0 ? p.length : end)}]`;
      i = end < 0 ? p.length : end;
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function findSteps(x: Ctx, context: string, exten: string): DialplanStep[] | undefined {
  const ctx = x.dialplan[context];
  if (!ctx) return undefined;
  const exact = ctx[exten];
  if (exact) return exact;
  // Asterisk-style patterns (_X., _NXXNXXXXXX, _+57X.): the most specific match wins.
  let best: { steps: DialplanStep[]; score: number } | undefined;
  for (const [pat, steps] of Object.entries(ctx)) {
    if (!pat.startsWith('_')) continue;
    if (!patternRegex(pat.slice(1)).test(exten)) continue;
    const score = pat.replace(/[.!]/g, '').length * 10 - (pat.includes('.') || pat.includes('!') ? 5 : 0);
    if (!best || score > best.score) best = { steps, score };
  }
  return best?.steps;
}
export function extensionExists(x: Ctx, context: string, exten: string): boolean {
  return findSteps(x, context, exten) !== undefined;
}

export function runDialplan(x: Ctx, c: Chan, context: string, exten: string, priority: number): void {
  const steps = findSteps(x, context, exten);
  // Falling into a missing extension ends the call with an unknown cause, as traced.
  if (!steps) return dialplanHangup(x, c, 0);
  c.steps = steps;
  c.stepIdx = Math.max(0, priority - 1);
  c.dialplan = { ...c.dialplan, context, exten, priority };
  nextStep(x, c);
}

function nextStep(x: Ctx, c: Chan): void {
  if (!c.alive || c.dying || c.stasisApp) return;
  const step = (c.steps ?? [])[c.stepIdx];
  if (!step) {
    c.inDialplanApp = false;
    // End of the extension: Asterisk hangs up with the channel's cause (16 if none).
    return dialplanHangup(x, c, finalCause(c, 16));
  }
  c.stepIdx++;
  setApp(x, c, step.app, appData(step), { priority: c.stepIdx });
  const next = (ms = 0) => {
    c.inDialplanApp = true;
    c.stepTimer = x.clock.setTimer(ms, () => {
      c.stepTimer = undefined;
      nextStep(x, c);
    });
  };
  const forever = () => {
    c.inDialplanApp = true;
  };
  switch (step.app) {
    case 'NoOp':
      return nextStep(x, c);
    case 'Answer': {
      const ringing = c.state === 'Ring' || c.state === 'Ringing';
      answer(x, c);
      if (!ringing || c.tech !== 'Local') return next(ANSWER_MS);
      // __ast_answer: from Ring it waits for the first media frame (voice, DTMF), at most 500 ms.
      c.inDialplanApp = true;
      let waiting = true;
      const done = () => {
        if (!waiting) return;
        waiting = false;
        c.awaitingMedia = undefined;
        if (c.stepTimer) x.clock.clearTimer(c.stepTimer);
        next(ANSWER_MS);
      };
      c.awaitingMedia = done;
      c.stepTimer = x.clock.setTimer(ANSWER_MEDIA_WAIT_MS, done);
      // A peer already sending media (a playback in progress) ends the wait at once.
      if (c.peer?.playback?.state === 'playing' || c.peer?.moh) done();
      return;
    }
    case 'Ringing':
      indicateRinging(x, c);
      return nextStep(x, c);
    case 'Wait':
      return Number.isFinite(step.seconds) ? next(step.seconds * 1000) : forever();
    case 'Echo':
      return forever();
    case 'Busy':
    case 'Congestion': {
      c.hangupCause = step.app === 'Busy' ? 17 : 34;
      setState(x, c, 'Busy');
      if (localBusy(x, c, step.app === 'Busy' ? 'BUSY' : 'CONGESTION')) return;
      return forever();
    }
    case 'Playback': {
      const len = x.sounds.lengthOf(`sound:${step.sound}`, c.language);
      if (len.kind === 'ms') dialplanPrompt(x, c, step.sound, len.ms);
      return next(len.kind === 'ms' ? len.ms : 0);
    }
    case 'SendDTMF': {
      const gap = step.gapMs ?? 250;
      const dur = step.durationMs ?? 100;
      let t = 0;
      for (const d of step.digits) {
        t += gap;
        later(x, c, t, () => dtmfFrom(x, c, d, dur));
        t += dur;
      }
      return next(t);
    }
    case 'Goto':
      return runDialplan(x, c, step.context, step.exten, step.priority ?? 1);
    case 'Queue':
      return runQueue(x, c, step.queue, step.timeoutSec, () => nextStep(x, c));
    case 'MixMonitor':
      // Records in the background (audiohook): the channel goes on at once.
      setVar(x, c, 'MIXMONITOR_FILENAME', substitute(c, step.file));
      return next(0);
    case 'Dial':
      return dialFromDialplan(x, c, substitute(c, step.endpoint), step.timeoutSec, () => nextStep(x, c));
    case 'Hangup':
      // Hangup() without a cause keeps the one the channel has (a failed Dial() leaves its callee's).
      c.hangupCause = step.cause ?? c.hangupCause ?? 16;
      return dialplanHangup(x, c, c.hangupCause, step.cause ?? 16);
    case 'Stasis': {
      if (enterStasis(x, c, step.appName, (step.args ?? []).map((a) => substitute(c, a)), true)) return;
      x.warn(`Stasis app '${step.appName}' not active`, { channel: c.id });
      stasisStatus(x, c, 'FAILED');
      return nextStep(x, c);
    }
  }
}

/** app_dial bridges caller and callee in a basic bridge (native_rtp for two SIP legs). */
export function enterDialBridge(x: Ctx, a: Chan, b: Chan): void {
  // The callee joins first; the bridge starts as simple_bridge and goes native_rtp for two
  // SIP legs once media settles (what BRIDGE_EXIT then reports, as traced).
  const id = uuid();
  b.dialBridge = { id, technology: 'simple_bridge' };
  observe(x, 'bridge', b, { ...b.dialBridge, members: [b] }, true);
  a.dialBridge = b.dialBridge;
  observe(x, 'bridge', a, { ...a.dialBridge, members: [b, a] }, true);
  if (a.tech === 'PJSIP' && b.tech === 'PJSIP') a.dialBridge = b.dialBridge = { id, technology: 'native_rtp' };
}

/** ${VAR} in application arguments: channel variables and HANGUPCAUSE (0 when unset). */
function substitute(c: Chan, text: string): string {
  return text.replace(/\$\{([A-Z_a-z0-9]+)\}/g, (_m, name: string) => (name === 'HANGUPCAUSE' ? String(c.hangupCause ?? 0) : name === 'EXTEN' ? c.dialplan.exten : (c.vars.get(name) ?? '')));
}

/**
 * Dial() in the dialplan (app_dial): rings one far end. The app sees it through the caller's
 * subscriptions: `Dial` events about the callee with `caller`, DIALSTATUS, the caller's
 * connected line; a Local `;2` passes ringing and the dialled number to its `;1`. When the
 * callee fails, DIALSTATUS and HANGUPCAUSE say why (domain cause table) and the next step runs.
 */
function dialFromDialplan(x: Ctx, c: Chan, endpoint: string, timeoutSec: number | undefined, next: () => void): void {
  c.inDialplanApp = true;
  setVar(x, c, 'DIALSTATUS', '');
  const ep = splitEndpoint(endpoint);
  const far = ep ? behaviorFor(x, ep.tech, ep.resource) : ({ ok: false } as const);
  const finish = (status: string) => {
    c.onDying = undefined;
    setVar(x, c, 'DIALSTATUS', status);
    if (status !== 'ANSWER') next();
  };
  if (!ep || !far.ok) return finish('CHANUNAVAIL');
  const exten = c.dialplan.exten;
  const pc = createPjsipChannel(x, {
    tech: ep.tech, resource: ep.resource, far, caller: c.caller.number ? { ...c.caller } : { name: c.caller.name, number: exten }, exten,
    appName: 'AppDial', originated: false, linkedid: c.linkedid,
  });
  pc.connected = { ...c.caller };
  c.dialPeer = pc;
  pc.dialPeer = c;
  // Only the first Dial event of a Dial() carries the dial string (traced).
  const dialEv = (status: string) => dialEvent(x, pc, status, status === '' ? ep.resource : '', c);
  dialEv('');
  c.connected = { name: '', number: exten };
  if (c.tech === 'Local' && c.half === 2 && c.peer?.alive && !c.peer.caller.number) c.peer.caller = { name: c.peer.caller.name, number: exten };
  const timeoutMs = timeoutSec && timeoutSec > 0 ? timeoutSec * 1000 : Infinity;
  const beh = far.behavior;
  const unlink = () => {
    c.dialPeer = undefined;
    pc.dialPeer = undefined;
  };
  // The caller gives up (a Local `;1` hung up): the callee is cancelled.
  c.onDying = () => {
    unlink();
    if (!pc.alive) return;
    dialEv('CANCEL');
    hangup(x, pc, null, 0);
    setVar(x, c, 'DIALSTATUS', 'CANCEL');
  };
  ringFarEnd(x, pc, beh, timeoutMs, {
    ringing() {
      note(x, c, { at: now(x), kind: 'ringing' });
      if (c.tech === 'Local' && c.half === 2) propagateRinging(x, c);
      dialEv('RINGING');
    },
    failed(cause, timedOut) {
      unlink();
      dialEv(timedOut ? 'NOANSWER' : dialEventStatus(cause));
      hangup(x, pc, null, cause);
      if (!timedOut) c.hangupCause = cause;
      finish(timedOut ? 'NOANSWER' : dialStatusOfCause(cause));
    },
    answered() {
      pc.answered = true;
      setState(x, pc, 'Up');
      dialEv('ANSWER');
      if (c.state !== 'Up') answer(x, c);
      if (c.farEnd) c.farEnd.dialledPeer = pc;
      if (pc.farEnd) pc.farEnd.dialledPeer = c;
      note(x, c, { at: now(x), kind: 'bridged', bridgeId: `dial:${pc.id}`, with: [pc.id] });
      note(x, pc, { at: now(x), kind: 'bridged', bridgeId: `dial:${pc.id}`, with: [c.id] });
      enterDialBridge(x, c, pc);
      finish('ANSWER');
      scheduleFarEndScript(x, pc, beh);
    },
  });
}

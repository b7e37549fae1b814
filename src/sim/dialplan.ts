// The dialplan (pbx.c and the applications the simulator models): extension matching with
// Asterisk patterns, running steps, and Dial() to a far end as FreePBX destinations do.
import type { DialplanStep } from './types.ts';
import type { Chan, Ctx } from './model.ts';
import { later, note, now, setState, setVar, splitEndpoint } from './core.ts';
import { answer, dialplanHangup, dtmfFrom, enterStasis, finalCause, hangup, indicateRinging } from './lifecycle.ts';
import { localBusy } from './tech-local.ts';
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
    default:
      return '';
  }
}

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
  c.dialplan = { ...c.dialplan, priority: c.stepIdx, app_name: step.app, app_data: appData(step) };
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
    case 'Answer':
      answer(x, c);
      return nextStep(x, c);
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
    case 'Dial':
      return dialFromDialplan(x, c, step.endpoint, step.timeoutSec, () => nextStep(x, c));
    case 'Hangup':
      c.hangupCause = step.cause ?? 16;
      return dialplanHangup(x, c, c.hangupCause, c.hangupCause);
    case 'Stasis': {
      if (enterStasis(x, c, step.appName, step.args ?? [], true)) return;
      x.warn(`Stasis app '${step.appName}' not active`, { channel: c.id });
      setVar(x, c, 'STASISSTATUS', 'FAILED', false);
      return nextStep(x, c);
    }
  }
}

/** Dial() in the dialplan: rings a phone; when it answers, caller and phone are connected. */
function dialFromDialplan(x: Ctx, c: Chan, endpoint: string, timeoutSec: number | undefined, next: () => void): void {
  c.inDialplanApp = true;
  const ep = splitEndpoint(endpoint);
  const far = ep ? behaviorFor(x, ep.tech, ep.resource) : ({ ok: false } as const);
  const finish = (status: string) => {
    setVar(x, c, 'DIALSTATUS', status, false);
    if (status !== 'ANSWER') next();
  };
  if (!ep || !far.ok) return finish('CHANUNAVAIL');
  const pc = createPjsipChannel(x, { tech: ep.tech, resource: ep.resource, far, caller: { ...c.caller }, context: 'from-internal', originated: false });
  c.dialPeer = pc;
  pc.dialPeer = c;
  const timeoutMs = timeoutSec && timeoutSec > 0 ? timeoutSec * 1000 : Infinity;
  const beh = far.behavior;
  if (beh.behavior !== 'unreachable' && beh.behavior !== 'congestion') note(c, { at: now(x), kind: 'ringing' });
  ringFarEnd(x, pc, beh, timeoutMs, {
    failed(status, cause) {
      c.dialPeer = undefined;
      pc.dialPeer = undefined;
      hangup(x, pc, null, cause);
      finish(status);
    },
    answered() {
      pc.answered = true;
      setState(x, pc, 'Up');
      if (c.state !== 'Up') answer(x, c);
      note(c, { at: now(x), kind: 'bridged', bridgeId: `dial:${pc.id}`, with: [pc.id] });
      note(pc, { at: now(x), kind: 'bridged', bridgeId: `dial:${pc.id}`, with: [c.id] });
      finish('ANSWER');
      scheduleFarEndScript(x, pc, beh);
    },
  });
}

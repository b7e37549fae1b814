// chan_pjsip far ends: the simulated phones and trunk numbers the PBX calls. One channel
// constructor and one ringing state machine serve originate, /channels/{id}/dial and the
// dialplan's Dial(); a behaviour says what the far end answers.
import type { CallerId, CallerScript, EndpointBehavior } from './types.ts';
import type { Chan, Ctx } from './model.ts';
import { dialEvent, hex8, later, newChan, note, now, setState } from './core.ts';
import { farEndDtmf, farEndHangup } from './world.ts';

export type Reachable = { ok: true; behavior: EndpointBehavior; number?: string } | { ok: false };

/** What the far end of `tech/resource` does; `number@trunk` uses the number behaviours. */
export function behaviorFor(x: Ctx, tech: string, resource: string): Reachable {
  const at = resource.indexOf('@');
  if (at >= 0) {
    const number = resource.slice(0, at);
    const trunk = x.endpoints.get(`${tech}/${resource.slice(at + 1)}`);
    if (!trunk) return { ok: false };
    const nb = x.numberBehaviors.find((n) => n.pattern.test(number));
    return { ok: true, behavior: nb?.behavior ?? trunk.behavior ?? { behavior: 'answer' }, number };
  }
  const ep = x.endpoints.get(`${tech}/${resource}`);
  if (!ep) return { ok: false };
  return { ok: true, behavior: ep.behavior ?? { behavior: 'answer' } };
}

export interface PjsipChannelSpec {
  id?: string;
  tech: string;
  /** `1001` or `number@trunk`. */
  resource: string;
  far: Extract<Reachable, { ok: true }>;
  caller?: CallerId;
  context: string;
  /** Originated channels show AppDial2 as their dialplan application. */
  originated: boolean;
}

/** An outbound channel to a far end (Down, not yet ringing). */
export function createPjsipChannel(x: Ctx, p: PjsipChannelSpec): Chan {
  const at = p.resource.indexOf('@');
  const epName = at >= 0 ? p.resource.slice(at + 1) : p.resource;
  const c = newChan(x, {
    id: p.id, name: `${p.tech}/${epName}-${hex8(x.seq.chan++)}`, tech: p.tech, resource: epName, state: 'Down', caller: p.caller,
    context: p.context, exten: 's', ...(p.originated ? { appName: 'AppDial2', appData: '(Outgoing Line)' } : {}),
  });
  c.connected = { name: '', number: p.far.number ?? p.resource };
  c.farEnd = { transcript: [], behavior: p.far.behavior, timers: [] };
  return c;
}

export interface RingHooks {
  /** Set when the app hears `Dial` events about this channel (originate, /dial). */
  dialstring?: string;
  failed(status: string, cause: number): void;
  answered(): void;
}

/** The PBX rings a simulated far end and it does what its behaviour says. */
export function ringFarEnd(x: Ctx, c: Chan, beh: EndpointBehavior, timeoutMs: number, hooks: RingHooks): void {
  const ds = hooks.dialstring;
  if (ds !== undefined) dialEvent(x, c, '', ds);
  const fail = (status: string, cause: number) => {
    if (ds !== undefined) dialEvent(x, c, status, ds);
    hooks.failed(status, cause);
  };
  if (beh.behavior === 'unreachable') return fail('CHANUNAVAIL', 3);
  if (beh.behavior !== 'congestion') {
    setState(x, c, 'Ringing');
    if (ds !== undefined) dialEvent(x, c, 'RINGING', ds);
    note(c, { at: now(x), kind: 'ringing' });
  }
  if (Number.isFinite(timeoutMs)) later(x, c, timeoutMs, () => {
    if (!c.answered) fail('NOANSWER', 19);
  });
  if (beh.behavior === 'noanswer') return;
  later(x, c, beh.afterMs ?? 0, () => {
    if (c.answered) return;
    switch (beh.behavior) {
      case 'busy':
        return fail('BUSY', 17);
      case 'reject':
        return fail('BUSY', 21);
      case 'congestion':
        return fail('CONGESTION', 34);
      case 'answer':
        note(c, { at: now(x), kind: 'answered' });
        return hooks.answered();
    }
  });
}

/** What a far end does once answered: press digits, hang up. */
export function scheduleFarEndScript(x: Ctx, c: Chan, beh: CallerScript): void {
  if (beh.digits) {
    const gap = beh.digitGapMs ?? 300;
    const dur = beh.digitDurationMs ?? 100;
    let t = beh.digitsAfterMs ?? 1000;
    for (const d of beh.digits) {
      later(x, c, t, () => farEndDtmf(x, c, d, dur));
      t += gap + dur;
    }
  }
  if (beh.hangupAfterMs !== undefined) later(x, c, beh.hangupAfterMs, () => farEndHangup(x, c));
}

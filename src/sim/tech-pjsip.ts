// chan_pjsip far ends: the simulated phones and trunk numbers the PBX calls. One channel
// constructor and one ringing state machine serve originate, /channels/{id}/dial and the
// dialplan's Dial(); a behaviour says what the far end answers.
import type { CallerId, CallerScript, EndpointBehavior } from './types.ts';
import type { Chan, Ctx } from './model.ts';
import { causeFromSip, sipOfCause } from '../domain/hangup-causes.ts';
import { hex8, later, newChan, note, now, setState } from './core.ts';
import { farEndDtmf, farEndHangup, farEndHold } from './world.ts';

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
  /** Dialplan location of the new channel: the endpoint's context, extension `s` unless given. */
  exten?: string;
  /** AppDial2 for originated channels, AppDial for a Dial() callee, none for /channels/create. */
  appName?: 'AppDial2' | 'AppDial' | 'AppQueue';
  originated: boolean;
  /** The conversation it joins (Dial(), app_queue, an originate with `originator`). */
  linkedid?: string;
}

/** An outbound channel to a far end (Down, not yet ringing). */
export function createPjsipChannel(x: Ctx, p: PjsipChannelSpec): Chan {
  const at = p.resource.indexOf('@');
  const epName = at >= 0 ? p.resource.slice(at + 1) : p.resource;
  const ep = x.endpoints.get(`${p.tech}/${epName}`);
  const appName = p.appName ?? (p.originated ? 'AppDial2' : undefined);
  const c = newChan(x, {
    id: p.id, name: `${p.tech}/${epName}-${hex8(x.seq.chan++)}`, tech: p.tech, resource: epName, state: 'Down', caller: p.caller,
    context: ep?.context ?? 'default', exten: p.exten ?? 's', linkedid: p.linkedid, ...(appName ? { appName, appData: '(Outgoing Line)' } : {}),
  });
  // An originate's caller id is the connected line the far end is told.
  if (p.originated) c.connected = { ...(p.caller ?? { name: '', number: '' }) };
  c.nativeRtp = true;
  c.farEnd = { transcript: [], behavior: p.far.behavior, timers: [] };
  return c;
}

export interface RingHooks {
  ringing?(): void;
  /** The far end failed with `cause` (a SIP final response) or the PBX gave up (`timedOut`, cause 19). */
  failed(cause: number, timedOut: boolean): void;
  answered(): void;
}

/** SIP response of a rejecting behaviour. */
function rejectStatus(beh: EndpointBehavior): number {
  if (beh.sipStatus) return beh.sipStatus;
  return beh.behavior === 'busy' ? 486 : beh.behavior === 'congestion' ? 503 : 603;
}

/** How long pjsip waits for any response to an INVITE (Timer B = 64 x T1 of 500 ms). */
const SIP_TRANSACTION_TIMEOUT_MS = 32_000;

/** The PBX rings a simulated far end and it does what its behaviour says. */
export function ringFarEnd(x: Ctx, c: Chan, beh: EndpointBehavior, timeoutMs: number, hooks: RingHooks): void {
  let over = false;
  const fail = (cause: number, timedOut: boolean, sip?: number) => {
    if (over || c.answered) return;
    over = true;
    c.techCause = sip ?? sipOfCause(cause);
    hooks.failed(cause, timedOut);
  };
  // chan_pjsip finds no contact for a dynamic AOR nobody registered: no session, NO_ROUTE_DESTINATION.
  const ep = x.endpoints.get(`${c.tech}/${c.resource}`);
  if (beh.behavior === 'unreachable' || ((ep?.dynamic || ep?.webrtc) && !x.contacts.has(`${c.tech}/${c.resource}`))) return fail(3, false);
  if (Number.isFinite(timeoutMs)) later(x, c, timeoutMs, () => fail(19, true));
  const sip = x.sipFarEnd?.(c);
  if (sip) {
    sip.ring(timeoutMs, {
      ringing() {
        if (over || c.answered || c.state === 'Ringing') return;
        setState(x, c, 'Ringing');
        note(x, c, { at: now(x), kind: 'ringing' });
        hooks.ringing?.();
      },
      answered() {
        if (over || c.answered) return;
        over = true;
        note(x, c, { at: now(x), kind: 'answered' });
        hooks.answered();
      },
      failed: (cause, sipStatus) => fail(cause, false, sipStatus),
    });
    return;
  }
  if (beh.behavior === 'silent') {
    later(x, c, SIP_TRANSACTION_TIMEOUT_MS, () => fail(18, false, 408));
    return;
  }
  setState(x, c, 'Ringing');
  note(x, c, { at: now(x), kind: 'ringing' });
  hooks.ringing?.();
  if (beh.behavior === 'noanswer') return;
  later(x, c, beh.afterMs ?? 0, () => {
    if (over || c.answered) return;
    if (beh.behavior !== 'answer') {
      const sip = rejectStatus(beh);
      return fail(causeFromSip(sip), false, sip);
    }
    over = true;
    note(x, c, { at: now(x), kind: 'answered' });
    hooks.answered();
    if (beh.holdAfterMs !== undefined) scheduleFarEndHold(x, c, beh.holdAfterMs, beh.holdMs);
  });
}

/** The phone puts the call on hold (re-INVITE sendonly) and, `holdMs` later, takes it off. */
function scheduleFarEndHold(x: Ctx, c: Chan, afterMs: number, holdMs: number | undefined): void {
  later(x, c, afterMs, () => {
    farEndHold(x, c, true);
    if (holdMs !== undefined) later(x, c, holdMs, () => farEndHold(x, c, false));
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

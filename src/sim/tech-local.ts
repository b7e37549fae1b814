// chan_local: a Local/<exten>@<context> channel is a pair. `;1` is the dialled side (what
// the app originates or creates), `;2` runs the dialplan. Answer, ringing, busy and hangup
// cross the pair with the events and causes a real Asterisk 22 sends (see the traces).
import type { CallerId } from './types.ts';
import type { Chan, Ctx, Snapshot } from './model.ts';
import { dialEventStatus } from '../domain/hangup-causes.ts';
import { chanEvent, dialEvent, hex8, newChan, setState, setVar } from './core.ts';
import { abortActivity, answeredOutbound, destroy, endPart, finalCause, flushDtmf, leaveBridgeOnDeath } from './lifecycle.ts';
import { extensionExists, runDialplan } from './dialplan.ts';

export interface LocalPairSpec {
  id?: string;
  otherId?: string;
  /** `exten@context` (or just `exten`: context `default`). */
  resource: string;
  caller?: CallerId;
  /** Originated channels show AppDial2 as their application and the caller on both halves. */
  originated: boolean;
  linkedid?: string;
}

export function localTarget(resource: string): { exten: string; context: string } {
  const at = resource.indexOf('@');
  return at < 0 ? { exten: resource, context: 'default' } : { exten: resource.slice(0, at), context: resource.slice(at + 1) };
}

export function createLocalPair(x: Ctx, p: LocalPairSpec): [Chan, Chan] {
  const { exten, context } = localTarget(p.resource);
  const base = `Local/${exten}@${context}-${hex8(x.seq.local++)}`;
  const app = p.originated ? { appName: 'AppDial2', appData: '(Outgoing Line)' } : {};
  const c1 = newChan(x, { id: p.id, name: `${base};1`, tech: 'Local', resource: p.resource, state: 'Down', caller: p.caller, context, exten, linkedid: p.linkedid, ...app });
  const c2 = newChan(x, { id: p.otherId ?? `${c1.id};2`, name: `${base};2`, tech: 'Local', resource: p.resource, state: p.originated ? 'Ring' : 'Down', caller: p.caller, context, exten, linkedid: c1.linkedid });
  if (p.originated) c1.connected = { ...(p.caller ?? { name: '', number: '' }) };
  c1.peer = c2;
  c2.peer = c1;
  c1.half = 1;
  c2.half = 2;
  return [c1, c2];
}

/** `;1` is dialled: `;2` starts the dialplan at exten@context, 1; unanswered after timeoutMs → cause 19. */
export function dialLocal(x: Ctx, c1: Chan, timeoutMs: number, onMissingExtension: 'destroy' | 'hangup'): void {
  const c2 = c1.peer!;
  const { context, exten } = c2.dialplan;
  if (!extensionExists(x, context, exten)) {
    if (onMissingExtension === 'hangup') return hangupLocal2(x, c2, null, 0);
    // Originate to a missing extension: no Dial event, both halves destroyed with cause 0.
    c1.dying = c2.dying = true;
    destroy(x, c2, 0);
    destroy(x, c1, 0);
    return;
  }
  // chan_local's call: `;2` inherits `;1`'s variables (announced with the snapshot from before
  // they are applied) and is told `;1`'s caller id as its connected line.
  for (const [k, v] of c1.vars) setVar(x, c2, k, v, true, true);
  c2.connected = { ...c1.caller };
  dialEvent(x, c1, '', `${exten}@${context}`);
  if (Number.isFinite(timeoutMs)) {
    c1.originate!.timer = x.clock.setTimer(timeoutMs, () => {
      if (c1.alive && !c1.answered) hangupLocal1(x, c1, null, 19);
    });
  }
  runDialplan(x, c2, context, exten, 1);
}

function dialString(c2: Chan): string {
  return `${c2.dialplan.exten}@${c2.dialplan.context}`;
}

/** `;2` answered (Answer() or a connected Dial()): `;1` is answered and goes where it was sent. */
export function propagateAnswer(x: Ctx, c2: Chan): void {
  const c1 = c2.peer;
  if (c1?.alive && !c1.answered) answeredOutbound(x, c1, dialString(c2));
}
export function propagateRinging(x: Ctx, c2: Chan): void {
  const c1 = c2.peer;
  if (c1?.alive && !c1.answered && c1.state !== 'Ringing') {
    setState(x, c1, 'Ringing');
    dialEvent(x, c1, 'RINGING', dialString(c2));
  }
}
/** Busy()/Congestion() on `;2` while `;1` is still being dialled. Returns false when not applicable. */
export function localBusy(x: Ctx, c2: Chan, status: 'BUSY' | 'CONGESTION'): boolean {
  if (!(c2.tech === 'Local' && c2.half === 2 && c2.peer?.alive && !c2.peer.answered)) return false;
  const c1 = c2.peer;
  dialEvent(x, c1, status, dialString(c2));
  hangupLocal1(x, c1, null, 0);
  return true;
}

/** Local copies the `;2` half's DIALSTATUS to `;1` as CHANLOCALSTATUS when `;2` goes. */
function chanLocalStatus(x: Ctx, c1: Chan, c2: Chan): void {
  const st = c2.vars.get('DIALSTATUS');
  if (st !== undefined && c1.alive) setVar(x, c1, 'CHANLOCALSTATUS', st);
}

/** `;1` hangs up: `;2` is asked to hang up with the cause and notices (at once in Stasis, a moment later in an application). */
export function hangupLocal1(x: Ctx, c1: Chan, hr: Snapshot | null, cause: number): void {
  endPart(x, c1, hr, () => {
    const c2 = c1.peer;
    if (c2?.alive && !c2.dying) {
      c2.propagatedCause = cause === 0 ? c2.propagatedCause : cause;
      chanEvent(x, c2, 'ChannelHangupRequest', { cause });
    }
    destroy(x, c1, cause);
    if (!c2?.alive || c2.dying) return;
    if (c2.stasisApp) {
      endPart(x, c2, null, () => {
        chanEvent(x, c2, 'ChannelHangupRequest', { cause: 16, soft: true });
        destroy(x, c2, finalCause(c2, 16));
      });
      return;
    }
    // A dialplan application (Wait, Busy, Dial...) notices the hangup a moment later.
    c2.dying = true;
    abortActivity(x, c2);
    const h = x.clock.setTimer(x.reactMs, () => {
      if (!c2.alive) return;
      flushDtmf(x, c2);
      leaveBridgeOnDeath(x, c2);
      c2.onDying?.();
      chanEvent(x, c2, 'ChannelHangupRequest', { cause: 16, soft: true });
      destroy(x, c2, finalCause(c2, 16));
    });
    c2.timers.push(h);
  });
}

/** `;2` hangs up: `;1` follows with the same cause (a Dial event first if it was still ringing). */
export function hangupLocal2(x: Ctx, c2: Chan, hr: Snapshot | null, cause: number, requestCause?: number): void {
  endPart(x, c2, hr, () => {
    chanEvent(x, c2, 'ChannelHangupRequest', requestCause === undefined ? { cause: 16, soft: true } : { cause: requestCause });
    const c1 = c2.peer;
    const after = () => {
      destroy(x, c2, cause);
      if (c1?.alive) {
        if (!c1.answered) dialEvent(x, c1, dialEventStatus(cause), dialString(c1));
        destroy(x, c1, cause);
      }
    };
    if (!c1?.alive || c1.dying) return after();
    chanLocalStatus(x, c1, c2);
    chanEvent(x, c1, 'ChannelHangupRequest', { cause });
    endPart(x, c1, null, after);
  });
}

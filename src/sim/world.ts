// The simulated world outside the PBX: callers dialling in, phones and trunk numbers with
// their behaviours, what each far end heard and did (transcripts). Driven by the control API.
import type { CallerScript, EndpointBehavior, SimChannelView } from './types.ts';
import { AriError, type Chan, type Ctx } from './model.ts';
import { chanEvent, deliver, dialEvent, getChan, hex8, later, newChan, note, now, ts, view } from './core.ts';
import { destroy, endPart, hangup, receiveDtmf } from './lifecycle.ts';
import { runDialplan } from './dialplan.ts';
import { endpointJson, endpointRecipients, registerContact, unregisterContact } from './endpoints.ts';

export function farEndDtmf(x: Ctx, c: Chan, digit: string, duration: number): void {
  note(x, c, { at: now(x), kind: 'dtmf-sent', digit });
  receiveDtmf(x, c, digit, duration);
}
/** The far end hangs up: BYE when answered, CANCEL (cause 127, tech_cause 487) when not. */
export function farEndHangup(x: Ctx, c: Chan): void {
  if (!c.alive || c.dying) return;
  c.hangupSide = 'far';
  c.hangupSource ??= c.name;
  note(x, c, { at: now(x), kind: 'hangup', side: 'far', cause: c.answered ? 16 : 127 });
  if (c.answered) hangup(x, c, {}, 16, 'far');
  else hangup(x, c, { cause: 127, tech_cause: 487 }, 127, 'far');
}

/** The far end puts the call on hold or takes it off (SIP re-INVITE): ChannelHold / ChannelUnhold. */
export function farEndHold(x: Ctx, c: Chan, on: boolean): void {
  if (!c.alive) return;
  note(x, c, { at: now(x), kind: 'hold', on, by: 'far' });
  // The PJSIP channel is held with its music class (channel default: "default").
  if (on) chanEvent(x, c, 'ChannelHold', { musicclass: 'default' });
  else chanEvent(x, c, 'ChannelUnhold');
}

export interface PlaceCall {
  from: string; to: string; endpoint?: string; context?: string; callerName?: string; channelId?: string; language?: string; script?: CallerScript;
}

/** An inbound call from the outside world (a SIP trunk or phone) into the dialplan. */
function placeCall(x: Ctx, p: PlaceCall): Chan {
  const ep = p.endpoint ?? 'PJSIP/trunk';
  const slash = ep.indexOf('/');
  const tech = slash > 0 ? ep.slice(0, slash) : 'PJSIP';
  const resource = slash > 0 ? ep.slice(slash + 1) : ep;
  const n = hex8(x.seq.chan++);
  const context = p.context ?? x.defaultContext;
  const c = newChan(x, {
    id: p.channelId, name: `${tech}/${resource}-${n}`, tech, resource, state: 'Ring', caller: { name: p.callerName ?? p.from, number: p.from },
    context, exten: p.to, language: p.language, protocolId: `${x.seq.unique}-${n}@127.0.0.1`,
  });
  c.farEnd = { transcript: [], timers: [], script: p.script };
  if (p.script?.cancelAfterMs !== undefined) later(x, c, p.script.cancelAfterMs, () => {
    if (!c.answered) farEndHangup(x, c);
  });
  later(x, c, 0, () => runDialplan(x, c, context, p.to, 1));
  return c;
}

/**
 * `core stop now`: every channel is soft-hung-up (cause 4, AST_SOFTHANGUP_SHUTDOWN), then torn
 * down with cause 0; Local `;2` halves first, a Local `;1` still ringing reports Dial NOANSWER.
 * The HTTP side then goes away (index.ts).
 */
function shutdown(x: Ctx): void {
  if (x.shutdown) return;
  x.shutdown = true;
  const chans = [...x.channels.values()].filter((c) => c.alive && !c.dying);
  for (const c of chans) chanEvent(x, c, 'ChannelHangupRequest', { cause: 4, soft: true });
  for (const c of chans) {
    if (!c.alive || c.dying) continue;
    if (c.tech === 'Local' && c.half === 2 && c.peer?.alive && !c.peer.dying) continue; // its ;1 takes it down
    const c2 = c.tech === 'Local' && c.half === 1 && c.peer?.alive ? c.peer : undefined;
    const finish2 = (then: () => void) => {
      if (!c2 || c2.dying) return then();
      chanEvent(x, c2, 'ChannelHangupRequest', { cause: 16, soft: true });
      endPart(x, c2, null, then);
    };
    finish2(() => {
      if (c.tech === 'Local' && c.half === 1 && !c.answered) dialEvent(x, c, 'NOANSWER', `${c.dialplan.exten}@${c.dialplan.context}`);
      endPart(x, c, { cause: 0 }, () => {
        if (c2?.alive) destroy(x, c2, 0);
        destroy(x, c, 0);
      });
    });
  }
}

export function worldOps(x: Ctx) {
  return {
    shutdown: () => shutdown(x),
    isShutdown: () => x.shutdown,
    registerContact: (key: string, o: { uri: string; expiresSec: number; unregisterAfterMs?: number }) => registerContact(x, key, o.uri, o.expiresSec, o.unregisterAfterMs),
    unregisterContact: (key: string) => unregisterContact(x, key),
    farEndHold(id: string, on: boolean): void {
      farEndHold(x, getChan(x, id), on);
    },
    placeCall: (p: PlaceCall): string => placeCall(x, p).id,
    farEndDtmf(id: string, digits: string, gapMs = 250, durationMs = 100): void {
      const c = getChan(x, id);
      for (const d of digits) if (!/[0-9A-D*#]/i.test(d)) throw new AriError(400, `Invalid DTMF digit '${d}'`);
      let t = 0;
      for (const d of digits) {
        later(x, c, t, () => farEndDtmf(x, c, d, durationMs));
        t += gapMs + durationMs;
      }
    },
    farEndHangup(id: string): void {
      farEndHangup(x, getChan(x, id));
    },
    /** The far end talks for `ms` from now (a message for a recording with maxSilenceSeconds). */
    farEndSpeak(id: string, ms: number): void {
      const c = getChan(x, id);
      if (!(ms >= 0)) throw new AriError(400, 'ms: expected a non-negative number');
      c.farEnd ??= { transcript: [], timers: [] };
      c.farEnd.speakingUntil = Math.max(c.farEnd.speakingUntil ?? 0, now(x) + ms);
      note(x, c, { at: now(x), kind: 'spoke', ms });
      if (c.talkDetect) {
        chanEvent(x, c, 'ChannelTalkingStarted');
        later(x, c, ms, () => chanEvent(x, c, 'ChannelTalkingFinished', { duration: ms }));
      }
    },
    channelView(id: string): SimChannelView | undefined {
      const c = x.channels.get(id);
      return c ? view(c) : x.ended.get(id);
    },
    /** What every far end heard (live calls and the ended ones still kept), at `at`. */
    hearing(): { at: number; channels: { id: string; alive: boolean; heard: SimChannelView['heard'] }[]; reusedIds: Record<string, number> } {
      const out: { id: string; alive: boolean; heard: SimChannelView['heard'] }[] = [];
      for (const v of x.ended.values()) out.push({ id: v.id, alive: false, heard: v.heard });
      for (const c of x.channels.values()) if (c.farEnd) out.push({ id: c.id, alive: true, heard: (c.farEnd.heard ?? []).map((h) => ({ ...h })) });
      return { at: now(x), channels: out, reusedIds: Object.fromEntries(x.reusedIds) };
    },
    setEndpoint(tech: string, resource: string, behavior: EndpointBehavior | undefined, trunk?: boolean): void {
      const key = `${tech}/${resource}`;
      const e = x.endpoints.get(key) ?? { technology: tech, resource };
      const wasOnline = e.behavior?.behavior !== 'unreachable';
      if (behavior) e.behavior = behavior;
      if (wasOnline !== (e.behavior?.behavior !== 'unreachable')) {
        deliver(x, endpointRecipients(x, key, tech), { type: 'EndpointStateChange', timestamp: ts(x), endpoint: endpointJson(x, e) });
      }
      if (trunk !== undefined) e.trunk = trunk;
      x.endpoints.set(key, e);
    },
    setNumberBehavior(pattern: string, behavior: EndpointBehavior): void {
      // Patterns: a regular expression in /.../, or a prefix glob like +57300* or an exact number.
      let re: RegExp;
      if (pattern.startsWith('/') && pattern.endsWith('/') && pattern.length > 1) re = new RegExp(pattern.slice(1, -1));
      else re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      const i = x.numberBehaviors.findIndex((n) => n.source === pattern);
      if (i >= 0) x.numberBehaviors.splice(i, 1);
      x.numberBehaviors.unshift({ pattern: re, behavior, source: pattern });
    },
    clearBehaviors(): void {
      x.numberBehaviors.length = 0;
    },
  };
}

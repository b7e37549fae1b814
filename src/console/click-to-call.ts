// Click-to-call from the agent console: the app rings the agent's own phone first; when the
// agent answers, it dials the number through an allowed trunk template (the dial allow-list
// checks it again at originate: toll-fraud rules), with one of the business's own caller IDs,
// and bridges the two. Either side hanging up ends both. The call gets a CallRecord (outbound,
// the agent on it) like any other, so it reaches the history and HubSpot.
import { randomUUID } from 'node:crypto';
import { CentralitaError, ChannelGoneError } from '../errors.ts';
import { normalizeE164 } from '../domain/phone.ts';
import type { CallRecord } from '../domain/call-record.ts';
import { buildCallRecord } from '../calls/records.ts';
import type { StasisRoleHandler } from '../calls/contract.ts';
import type { Telephony, TelephonyEvent } from '../telephony/port.ts';
import type { Logger } from '../logger.ts';

export class ClickToCallError extends CentralitaError {}

/** Stasis args[0] of both legs: click-to-call,<id>,agent|far. */
export const CLICK_TO_CALL_ROLE = 'click-to-call';

export interface ClickToCallDeps {
  telephony: Telephony;
  /** The agent's phone and whether they are free to place a call. */
  agent(agentId: string): { endpoint: string; name?: string; state: string } | undefined;
  /** Dial-string template of the trunk for calls out (`{n}` = the number), e.g. `PJSIP/{n}@trunk`. */
  trunkTemplate: string;
  /** Caller ID presented to the number (one the business owns), if any. */
  callerId?: string;
  defaultCountry: string;
  publish(record: CallRecord): Promise<unknown>;
  onEnded?(agentId: string, record: CallRecord): void;
  logger: Logger;
  now?: () => Date;
  agentRingSec?: number;
  farRingSec?: number;
}

interface Attempt {
  id: string;
  agentId: string;
  agentEndpoint: string;
  agentName?: string;
  e164: string;
  agentLeg: string;
  farLeg: string;
  bridgeId?: string;
  startedAt: string;
  farAnsweredAt?: string;
  bridgedAt?: number;
  farCause?: number;
  farCauseText?: string;
  hungUpBy?: 'agent' | 'far-end' | 'system';
  /** The number was dialled (the agent answered): only then is there a call to record. */
  dialled: boolean;
  ended: boolean;
  endedAt?: string;
  /** The record's disposition (answered, no-answer, busy, failed …) once ended. */
  disposition?: string;
}

/** Where a click-to-call is, for the console and the HubSpot calling extension (call states). */
export interface ClickToCallStatus {
  id: string;
  agentId: string;
  number: string;
  /** ringing-agent → dialling (the agent answered, the number rings) → connected → ended. */
  state: 'ringing-agent' | 'dialling' | 'connected' | 'ended';
  startedAt: string;
  answeredAt?: string;
  endedAt?: string;
  /** Once ended: the call record's disposition; `not-dialled` when the agent never answered. */
  disposition?: string;
  hungUpBy?: 'agent' | 'far-end' | 'system';
  /** The call's id for its wrap-up (POST /api/console/:agentId/wrapup), when it was dialled. */
  callId?: string;
}

export interface ClickToCall {
  /** Rings the agent's phone; the number is dialled when they answer. */
  call(agentId: string, number: string): Promise<{ id: string; number: string }>;
  /** A call of this agent's, live or ended recently (the last 200 are kept); undefined if unknown. */
  status(agentId: string, id: string): ClickToCallStatus | undefined;
  /** Hangs up the agent's live click-to-call (both legs); false when it is not live. */
  hangup(agentId: string, id: string): Promise<boolean>;
  /** For the Stasis router: both legs come back with the role. */
  handleStart: StasisRoleHandler;
  live(): number;
  stop(): void;
}

export function createClickToCall(d: ClickToCallDeps): ClickToCall {
  const now = d.now ?? (() => new Date());
  const attempts = new Map<string, Attempt>();
  const byChannel = new Map<string, Attempt>();
  // Ended calls stay readable for a while: the extension polls the final state after the hangup.
  const recent = new Map<string, Attempt>();
  const RECENT_MAX = 200;
  const log = d.logger.child({ component: 'click-to-call' });

  const off = d.telephony.onEvent((e) => onEvent(e));

  async function call(agentId: string, number: string) {
    const a = d.agent(agentId);
    if (!a) throw new ClickToCallError('ACD_UNKNOWN_AGENT', `agent ${agentId} is not a member of any queue`);
    if (a.state === 'ringing' || a.state === 'onCall') throw new ClickToCallError('CLICK_TO_CALL_AGENT_BUSY', 'you are on a call (or being offered one): finish it first');
    const n = normalizeE164(number, d.defaultCountry);
    if (!n.ok) throw new ClickToCallError('CLICK_TO_CALL_BAD_NUMBER', `${JSON.stringify(number)} is not a phone number (${n.reason})`);
    // Dial digits only: the template's {n} can never carry `@context`, `/` or `&`.
    if (!/^\+?[0-9]{4,16}$/.test(n.e164)) throw new ClickToCallError('CLICK_TO_CALL_BAD_NUMBER', `${n.e164} is not dial digits`);
    const id = randomUUID().slice(0, 12);
    const t: Attempt = { id, agentId, agentEndpoint: a.endpoint, ...(a.name ? { agentName: a.name } : {}), e164: n.e164, agentLeg: `c2c-${id}-a`, farLeg: `c2c-${id}-b`, startedAt: now().toISOString(), dialled: false, ended: false };
    attempts.set(id, t);
    byChannel.set(t.agentLeg, t);
    byChannel.set(t.farLeg, t);
    try {
      // The agent's phone shows the number being called.
      await d.telephony.originate({ endpoint: a.endpoint, channelId: t.agentLeg, appArgs: `${CLICK_TO_CALL_ROLE},${id},agent`, callerId: `"${n.e164}" <${n.e164}>`, timeoutSec: d.agentRingSec ?? 30 });
    } catch (err) {
      forget(t);
      throw err;
    }
    log.info({ clickId: id, agentId, number: n.e164 }, 'click-to-call: ringing the agent');
    return { id, number: n.e164 };
  }

  function forget(t: Attempt) {
    attempts.delete(t.id);
    byChannel.delete(t.agentLeg);
    byChannel.delete(t.farLeg);
    recent.set(t.id, t);
    for (const k of recent.keys()) { if (recent.size <= RECENT_MAX) break; recent.delete(k); }
  }

  function status(agentId: string, id: string): ClickToCallStatus | undefined {
    const t = attempts.get(id) ?? recent.get(id);
    if (!t || t.agentId !== agentId) return undefined;
    // Ended once its record exists (a dialled call's disposition and wrap-up item come with it).
    const ended = t.ended && (!t.dialled || t.disposition !== undefined);
    const state = ended ? 'ended' : t.bridgedAt ? 'connected' : t.dialled ? 'dialling' : 'ringing-agent';
    return {
      id: t.id, agentId: t.agentId, number: t.e164, state, startedAt: t.startedAt,
      ...(t.farAnsweredAt ? { answeredAt: t.farAnsweredAt } : {}), ...(t.endedAt ? { endedAt: t.endedAt } : {}),
      ...(ended ? { disposition: t.disposition ?? 'not-dialled' } : {}), ...(t.hungUpBy ? { hungUpBy: t.hungUpBy } : {}),
      ...(t.dialled ? { callId: t.farLeg } : {}),
    };
  }

  async function hangup(agentId: string, id: string): Promise<boolean> {
    const t = attempts.get(id);
    if (!t || t.agentId !== agentId || t.ended) return false;
    t.hungUpBy ??= 'agent';
    await finish(t);
    return true;
  }

  const handleStart: StasisRoleHandler = (ev) => {
    const [, id, side] = ev.args;
    const t = id ? attempts.get(id) : undefined;
    if (!t) {
      // Not ours (a previous process's, or forged args): never leave a channel in Stasis.
      void d.telephony.hangup(ev.channel.id).catch(() => undefined);
      return;
    }
    if (side === 'agent') void agentAnswered(t);
    else if (side === 'far') void farAnswered(t, ev.at);
  };

  async function agentAnswered(t: Attempt) {
    try {
      await d.telephony.ring(t.agentLeg).catch(() => undefined);
      const endpoint = d.trunkTemplate.replace(/\{(?:n|phone|digits)\}/g, t.e164);
      t.dialled = true;
      await d.telephony.originate({
        endpoint, channelId: t.farLeg, appArgs: `${CLICK_TO_CALL_ROLE},${t.id},far`, timeoutSec: d.farRingSec ?? 45,
        ...(d.callerId ? { callerId: d.callerId } : {}),
      });
    } catch (err) {
      log.warn({ err, clickId: t.id }, 'click-to-call: the number could not be dialled');
      t.hungUpBy = 'system';
      t.farCause = 0;
      t.farCauseText = (err as Error).message;
      await finish(t);
    }
  }

  async function farAnswered(t: Attempt, at: string) {
    t.farAnsweredAt = at;
    try {
      const { bridgeId } = await d.telephony.createBridge({ type: 'mixing', bridgeId: `c2c-${t.id}` });
      t.bridgeId = bridgeId;
      await d.telephony.addToBridge(bridgeId, [t.agentLeg, t.farLeg]);
      t.bridgedAt = now().getTime();
    } catch (err) {
      log.warn({ err, clickId: t.id }, 'click-to-call: bridging failed');
      t.hungUpBy = 'system';
      await finish(t);
    }
  }

  function onEvent(e: TelephonyEvent) {
    if (e.type !== 'channel.destroyed' && e.type !== 'call.ended' && e.type !== 'channel.hangupRequested') return;
    const t = byChannel.get(e.channelId);
    if (!t || t.ended) return;
    if (e.channelId === t.farLeg) {
      if (e.type === 'channel.destroyed') { t.farCause = e.cause; t.farCauseText = e.causeText; }
      t.hungUpBy ??= 'far-end';
    } else {
      t.hungUpBy ??= 'agent';
    }
    if (e.type !== 'channel.hangupRequested') void finish(t);
  }

  async function finish(t: Attempt) {
    if (t.ended) return;
    t.ended = true;
    t.endedAt = now().toISOString();
    forget(t);
    const hang = async (ch: string) => { try { await d.telephony.hangup(ch); } catch (err) { if (!(err instanceof ChannelGoneError)) log.debug({ err, channelId: ch }, 'hangup failed'); } };
    await Promise.all([hang(t.agentLeg), hang(t.farLeg)]);
    if (t.bridgeId) await d.telephony.destroyBridge(t.bridgeId).catch(() => undefined);
    if (!t.dialled) { log.info({ clickId: t.id, agentId: t.agentId }, 'click-to-call: the agent did not answer; nothing was dialled'); return; }
    const record = buildCallRecord({
      input: { callId: t.farLeg, channelId: t.farLeg, direction: 'outbound', from: d.callerId?.replace(/^.*<|>.*$/g, '') ?? t.agentEndpoint, to: t.e164, language: 'es', variables: { clickToCall: t.id }, startedAt: t.startedAt },
      endedAt: now().toISOString(), hangupSide: t.hungUpBy === 'agent' ? 'agent' : t.hungUpBy === 'far-end' ? 'far-end' : 'system',
      ...(t.farAnsweredAt ? { answeredAt: t.farAnsweredAt } : {}),
      ...(t.farCause ? { hangupCause: t.farCause } : {}), ...(t.farCauseText ? { hangupCauseText: t.farCauseText } : {}),
      // Talk is the time the two were bridged (what HubSpot shows as the call's duration).
      output: { agent: { id: t.agentId, ...(t.agentName ? { name: t.agentName } : {}), endpoint: t.agentEndpoint }, ...(t.bridgedAt ? { talkSeconds: Math.max(0, Math.round((now().getTime() - t.bridgedAt) / 1000)) } : {}) },
    }, { defaultCountry: d.defaultCountry });
    t.disposition = record.disposition;
    log.info({ clickId: t.id, agentId: t.agentId, disposition: record.disposition, talkSeconds: record.talkSeconds }, 'click-to-call ended');
    d.onEnded?.(t.agentId, record);
    await d.publish(record).catch((err: unknown) => log.error({ err, recordId: record.id }, 'click-to-call record not published'));
  }

  return {
    call,
    status,
    hangup,
    handleStart,
    live: () => attempts.size,
    stop: () => off(),
  };
}

// The Stasis application core: one Telephony event listener routes every event by
// channel id to its session; StasisStart is routed to a flow (Stasis args, DID mapping,
// campaign data) or to a role handler (ACD agent legs, dial legs, campaign); calls that
// end become one CallRecord each. Reconnects trigger a resync; stop() drains with a deadline.
import type { LiveCallJournal } from './live-journal.ts';
import type { EarlyIntake } from './early-intake.ts';
import type { AnyStateMachine, AnyActorLogic } from 'xstate';
import type { Logger } from '../logger.ts';
import type { ChannelInfo, Telephony, TelephonyEvent } from '../telephony/port.ts';
import { ChannelGoneError } from '../errors.ts';
import { STASIS_ROLES, type CallInput, type CompiledFlow, type FlowRegistry, type StasisRoleHandler } from './contract.ts';
import { buildCallRecord, type CallFacts, type CallRecordSink } from './records.ts';
import { startCallSession, type CallSession, type CallSessionInfo } from './session.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { IvrStep } from '../domain/call-record.ts';

export type CallStarted = Extract<TelephonyEvent, { type: 'call.started' }>;

export interface CallServiceOptions {
  telephony: Telephony;
  flows: FlowRegistry;
  /** Actor implementations provided to every flow machine (createCallActors + ACD, etc.). */
  actors: Record<string, AnyActorLogic>;
  records: CallRecordSink;
  bus: EventBus;
  logger: Logger;
  clock?: () => Date;
  /** E.164 default country for numbers written locally. */
  defaultCountry?: string;
  /** DID → flow id, used when the Stasis args name no flow. */
  didMap?: Record<string, string>;
  /** Flow for campaign originations that do not name one (args[4] or CENTRALITA_FLOW). */
  defaultCampaignFlow?: string;
  /** Run after each resync, once vanished calls are ended (e.g. the ACD's own resync). */
  afterResync?: (() => Promise<void>)[];
  /** Calls in progress on local disk, so a killed process's calls are recorded at the next start. */
  journal?: LiveCallJournal;
  /** Our Stasis application's name (the sweep's filter on `dialplan.appData`). */
  stasisApp?: string;
  /** How long a channel found in our app without an owner is given for its StasisStart to arrive before it is adopted. */
  sweepGraceMs?: number;
}

export interface RejectedCall { channelId: string; reason: string; args: string[]; at: string }

export interface CallServiceStats {
  started: number;
  ended: number;
  live: number;
  unknownFlow: number;
  actorErrors: number;
  vanished: number;
  recordsFailed: number;
  resyncs: number;
  roleCalls: number;
  /** Campaign calls whose CENTRALITA_VARS could not be read (the flow runs without them). */
  badRowVariables: number;
  /** Channels found in our Stasis app with no owner (their StasisStart was never handled) and started from the flow's beginning. */
  adopted: number;
  /** Sweeps of the PBX's channels for such calls (at start and after each reconnect). */
  sweeps: number;
}

export interface CallService {
  /** Starts taking calls; `early`: the events heard since ARI connected (replayed first, in order). */
  start(early?: EarlyIntake): void;
  /**
   * Lists the PBX's channels and adopts the ones in our Stasis app that nobody here owns (their
   * StasisStart came while no process could take it, and Asterisk never sends it again): each
   * starts its flow from the beginning, as if it had just arrived. Runs after start-up (after
   * recoverInterrupted) and after every reconnect. Returns how many were adopted.
   */
  sweep(): Promise<number>;
  /** Stops taking calls, lets live ones finish until the deadline, then hands them back. */
  stop(deadlineMs: number): Promise<void>;
  liveCalls(): CallSessionInfo[];
  /** One live call with the IVR steps walked so far (the screen pop). */
  liveCall(callId: string): (CallSessionInfo & { path: IvrStep[] }) | undefined;
  registerRole(role: string, handler: StasisRoleHandler): () => void;
  /** Lists the PBX's channels and ends sessions whose channel vanished. Runs after each reconnect. */
  resync(): Promise<void>;
  stats(): CallServiceStats;
  /** Recent calls the router could not place (kept for inspection, bounded). */
  rejected(): RejectedCall[];
  /**
   * Calls a previous process left live (killed mid-call; see live-journal.ts): each gets its
   * record, interrupted by the restart, and its channel goes back to the dialplan (a campaign
   * call is hung up, so its attempt is dialled again). Returns how many.
   */
  recoverInterrupted(): Promise<number>;
}

const ROLE_VALUES = new Set<string>(Object.values(STASIS_ROLES));
/** Variables the dialler sets on campaign originations (see dialplan/ari_general_custom.conf). */
const CAMPAIGN_VARS = ['CENTRALITA_PHONE', 'CENTRALITA_CONTACT_ID', 'CENTRALITA_VARS'] as const;

/**
 * The campaign row's own variables (`amount`, `language`…), which the dialler packs as JSON in
 * CENTRALITA_VARS: Asterisk's snapshot carries only the variables ari.conf's `channelvars` names,
 * so arbitrary row columns cannot travel one variable each.
 */
export function rowVariables(raw: string | undefined): { vars: Record<string, string>; error?: string } {
  if (!raw) return { vars: {} };
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { vars: {}, error: 'CENTRALITA_VARS is not a JSON object' };
    const vars: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string' || typeof x === 'number') vars[k] = String(x);
    return { vars };
  } catch {
    return { vars: {}, error: 'CENTRALITA_VARS is not valid JSON' };
  }
}

/** The DID: set by dialplan/extensions_custom.conf (CENTRALITA_DID channelvar), else a numeric exten. */
function didOf(ch: ChannelInfo): string | undefined {
  const v = ch.variables?.CENTRALITA_DID;
  if (v) return v;
  return /^\+?\d{3,}$/.test(ch.dialplan.exten) ? ch.dialplan.exten : undefined;
}

/** How long stop() waits for the PBX to take calls back before writing their records anyway. */
const HAND_BACK_WAIT_MS = 400;

export function createCallService(o: CallServiceOptions): CallService {
  const { telephony, logger } = o;
  const clock = o.clock ?? (() => new Date());
  const defaultCountry = o.defaultCountry ?? 'CO';
  const sessions = new Map<string, CallSession>();
  const roles = new Map<string, StasisRoleHandler>();
  const machines = new WeakMap<AnyStateMachine, AnyStateMachine>();
  const rejected: RejectedCall[] = [];
  const pendingRecords = new Set<Promise<unknown>>();
  const stats: CallServiceStats = { started: 0, ended: 0, live: 0, unknownFlow: 0, actorErrors: 0, vanished: 0, recordsFailed: 0, resyncs: 0, roleCalls: 0, badRowVariables: 0, adopted: 0, sweeps: 0 };
  const stasisApp = o.stasisApp ?? 'centralita';
  /** Channels a previous run left live (handed back with a record): never adopted. */
  const recovered = new Set<string>();
  let unsubscribe: (() => void) | undefined;
  let accepting = false;
  let wasDisconnected = false;
  let lostAt: string | undefined;
  let drained: (() => void) | undefined;

  const log = logger.child({ component: 'calls' });

  function provided(flow: CompiledFlow): AnyStateMachine {
    let m = machines.get(flow.machine);
    if (!m) machines.set(flow.machine, (m = flow.machine.provide({ actors: o.actors }) as AnyStateMachine));
    return m;
  }

  function reject(ev: CallStarted, reason: string) {
    stats.unknownFlow++;
    rejected.push({ channelId: ev.channel.id, reason, args: ev.args, at: ev.at });
    if (rejected.length > 100) rejected.shift();
    log.warn({ channelId: ev.channel.id, args: ev.args, exten: ev.channel.dialplan.exten, reason }, 'no flow for call; continuing in dialplan');
    telephony.continueInDialplan(ev.channel.id).catch((err: unknown) => {
      if (!(err instanceof ChannelGoneError)) log.error({ err, channelId: ev.channel.id }, 'could not hand unknown call back to dialplan');
    });
  }

  /** Picks the flow: Stasis args[0] → campaign data → DID mapping. */
  function route(ev: CallStarted): { flow?: CompiledFlow; reason?: string; campaign?: CallInput['campaign']; direction: CallInput['direction'] } {
    const [first, ...rest] = ev.args;
    const ch = ev.channel;
    if (first === STASIS_ROLES.campaign) {
      const [campaignId, rowId, attempt, flowArg] = rest;
      if (!campaignId) return { reason: 'campaign call without campaign id', direction: 'outbound' };
      const campaign: NonNullable<CallInput['campaign']> = { campaignId };
      if (rowId) campaign.rowId = rowId;
      if (attempt && /^\d+$/.test(attempt)) campaign.attempt = Number(attempt);
      const contactId = ch.variables?.CENTRALITA_CONTACT_ID;
      if (contactId) campaign.contactId = contactId;
      const flowId = flowArg || ch.variables?.CENTRALITA_FLOW || o.defaultCampaignFlow;
      const flow = flowId ? o.flows.get(flowId) : undefined;
      return flow ? { flow, campaign, direction: 'outbound' } : { reason: `campaign flow ${JSON.stringify(flowId ?? null)} not found`, campaign, direction: 'outbound' };
    }
    if (first) {
      const flow = o.flows.get(first);
      if (flow) return { flow, direction: 'inbound' };
    }
    const exten = didOf(ch) ?? ch.dialplan.exten;
    const byDid = o.flows.forDid?.(exten) ?? (o.didMap?.[exten] ? o.flows.get(o.didMap[exten]) : undefined);
    if (byDid) return { flow: byDid, direction: 'inbound' };
    return { reason: first ? `unknown flow ${JSON.stringify(first)}` : `no flow for DID ${JSON.stringify(exten)}`, direction: 'inbound' };
  }

  function onCallStarted(ev: CallStarted) {
    const ch = ev.channel;
    if (sessions.has(ch.id) || enriching.has(ch.id)) return; // already taken (by the sweep, or a duplicate StasisStart)
    const first = ev.args[0];
    const roleHandler = first !== undefined ? roles.get(first) : undefined;
    if (roleHandler) {
      stats.roleCalls++;
      try { roleHandler(ev); } catch (err) { log.error({ err, channelId: ch.id, role: first }, 'role handler threw'); }
      return;
    }
    if (!accepting) {
      // A campaign call answered while shutting down never reaches its flow: hung up and
      // recorded as interrupted, so its attempt is retried (never counted answered).
      if (first === STASIS_ROLES.campaign) { refuseCampaignCall(ev); return; }
      // Shutting down: the dialplan's fallback (ring group / voicemail) takes it.
      telephony.continueInDialplan(ch.id).catch(() => {});
      return;
    }
    if (first !== undefined && ROLE_VALUES.has(first) && first !== STASIS_ROLES.campaign) {
      reject(ev, `no handler registered for role ${first}`);
      return;
    }
    if (first === STASIS_ROLES.campaign && !ch.variables?.[CAMPAIGN_VARS[0]]) {
      // Originate variables reach the StasisStart snapshot only if ari.conf lists them in
      // `channelvars`; otherwise read them once, buffering this channel's events meanwhile.
      enriching.set(ch.id, []);
      void Promise.all(CAMPAIGN_VARS.map((v) => telephony.getVariable(ch.id, v).catch(() => undefined))).then((values) => {
        const buffered = enriching.get(ch.id) ?? [];
        enriching.delete(ch.id);
        const vars: Record<string, string> = { ...(ch.variables ?? {}) };
        CAMPAIGN_VARS.forEach((name, i) => { const v = values[i]; if (v) vars[name] = v; });
        startRouted({ ...ev, channel: { ...ch, variables: vars } });
        const s = sessions.get(ch.id);
        for (const b of buffered) s?.handle(b);
      });
      return;
    }
    startRouted(ev);
  }

  function refuseCampaignCall(ev: CallStarted) {
    const ch = ev.channel;
    const r = route(ev);
    const input = callInput(ev, 'outbound', r.campaign);
    const callLog = log.child({ callId: input.callId, channelId: ch.id, ...(r.campaign ? { campaignId: r.campaign.campaignId, rowId: r.campaign.rowId } : {}) });
    callLog.warn('campaign call answered during shutdown: hung up, its attempt will be retried');
    telephony.hangup(ch.id, 'normal').catch((err: unknown) => {
      if (!(err instanceof ChannelGoneError)) callLog.warn({ err }, 'could not hang up the campaign call');
    });
    const facts: CallFacts = {
      input, endedAt: clock().toISOString(), hangupSide: 'app',
      ...(r.flow ? { flow: { id: r.flow.id, version: r.flow.version } } : {}),
      output: { disposition: 'failed', hungUpBy: 'app' },
      error: { code: 'CALL_INTERRUPTED_BY_SHUTDOWN', message: 'the campaign call was answered while the app was shutting down; hung up before its flow, to be dialled again' },
    };
    publishRecord(buildCallRecord(facts, { defaultCountry }), callLog);
  }

  function publishRecord(record: ReturnType<typeof buildCallRecord>, callLog: Logger, onPublished?: () => void) {
    const p = o.records.publish(record).then(
      () => { onPublished?.(); },
      (err: unknown) => { stats.recordsFailed++; callLog.error({ err, recordId: record.id }, 'call record not published'); },
    ).finally(() => { pendingRecords.delete(p); });
    pendingRecords.add(p);
  }

  function startRouted(ev: CallStarted) {
    const ch = ev.channel;
    const r = route(ev);
    if (!r.flow) { reject(ev, r.reason ?? 'no flow'); return; }
    const input = callInput(ev, r.direction, r.campaign);
    const flow = r.flow;
    // campaignId ties a call's lines to its campaign (and to the dialler's lines for it).
    const callLog = log.child({ callId: input.callId, channelId: ch.id, flowId: flow.id, ...(input.campaign ? { campaignId: input.campaign.campaignId, rowId: input.campaign.rowId } : {}) });
    stats.started++;
    const session = startCallSession({
      flow: { id: flow.id, version: flow.version },
      machine: provided(flow),
      input,
      telephony,
      logger: callLog,
      clock,
      ...(ch.variables?.LINKEDID ? { linkedId: ch.variables.LINKEDID } : {}),
      ...(ch.state === 'Up' ? { answeredAt: ev.at } : {}),
      onEnd: (facts, s) => onSessionEnd(facts, s, callLog),
      onNode: (node, at) => o.bus.emit('call.step', { callId: input.callId, node, at }),
    });
    // The session may already have ended synchronously (actor failed at start and channel gone).
    if (!endedEarly.delete(ch.id)) {
      sessions.set(ch.id, session);
      o.journal?.started({ input, flow: { id: flow.id, version: flow.version } });
    }
    o.bus.emit('call.started', { callId: input.callId, channelId: ch.id, flowId: flow.id, from: input.from, to: input.to, at: ev.at, direction: input.direction });
  }
  const endedEarly = new Set<string>();
  /** Campaign channels whose variables are being read: their events wait here. */
  const enriching = new Map<string, TelephonyEvent[]>();

  function callInput(ev: CallStarted, direction: CallInput['direction'], campaign: CallInput['campaign']): CallInput {
    const ch: ChannelInfo = ev.channel;
    // Asterisk lists every `channelvars` name in each snapshot, unset ones as "": drop those.
    const variables: Record<string, string> = {};
    for (const [k, v] of Object.entries(ch.variables ?? {})) if (v !== '' && k !== 'CENTRALITA_VARS') variables[k] = v;
    if (campaign) {
      const row = rowVariables(ch.variables?.CENTRALITA_VARS);
      if (row.error) { stats.badRowVariables++; log.warn({ channelId: ch.id, problem: row.error }, 'campaign row variables ignored'); }
      Object.assign(variables, row.vars);
    }
    // Stasis args after the flow id are kept as arg1..argN for the flow.
    ev.args.slice(1).forEach((a, i) => { variables[`arg${i + 1}`] = a; });
    const did = direction === 'inbound' ? didOf(ch) : undefined;
    // Outbound: the number the dialler called (CENTRALITA_PHONE), not the dialplan exten ("s").
    const to = did ?? (direction === 'outbound' ? ch.variables?.CENTRALITA_PHONE : undefined) ?? ch.dialplan.exten;
    const input: CallInput = {
      callId: ch.id,
      channelId: ch.id,
      direction,
      from: ch.caller.number,
      to,
      language: ch.language || 'es',
      variables,
      startedAt: ch.creationTime && !Number.isNaN(Date.parse(ch.creationTime)) ? new Date(Date.parse(ch.creationTime)).toISOString() : ev.at,
    };
    if (did) input.did = did;
    if (campaign) input.campaign = campaign;
    return input;
  }

  function onSessionEnd(facts: CallFacts, s: CallSession, callLog: Logger) {
    if (sessions.get(s.channelId) === s) sessions.delete(s.channelId);
    else endedEarly.add(s.channelId);
    stats.ended++;
    if (facts.error) stats.actorErrors++;
    if (facts.vanished) stats.vanished++;
    let record;
    try {
      record = buildCallRecord(facts, { defaultCountry });
    } catch (err) {
      callLog.error({ err }, 'could not build call record');
      stats.recordsFailed++;
      return;
    }
    publishRecord(record, callLog, () => o.journal?.ended(s.channelId));
    if (sessions.size === 0) drained?.();
  }

  function channelOf(ev: TelephonyEvent): string | undefined {
    switch (ev.type) {
      case 'playback.started':
      case 'playback.finished':
      case 'recording.started':
      case 'recording.finished':
      case 'recording.failed':
        return ev.targetUri.startsWith('channel:') ? ev.targetUri.slice(8) : undefined;
      case 'call.started':
      case 'bridge.destroyed':
      case 'dial':
      case 'endpoint.state':
      case 'device.state':
      case 'connection':
        return undefined;
      default:
        return ev.channelId;
    }
  }

  function onEvent(ev: TelephonyEvent) {
    if (ev.type === 'call.started') return onCallStarted(ev);
    if (ev.type === 'connection') {
      o.bus.emit('telephony.connection', { state: ev.state, at: ev.at });
      if (ev.state !== 'connected') {
        if (!wasDisconnected) lostAt = ev.at;
        wasDisconnected = true;
      } else if (wasDisconnected) {
        wasDisconnected = false;
        resync().then(() => sweep()).catch((err: unknown) => log.error({ err }, 'resync after reconnect failed'));
      }
      return;
    }
    const id = channelOf(ev);
    if (id === undefined) return;
    const wait = enriching.get(id);
    if (wait) { wait.push(ev); return; }
    const s = sessions.get(id);
    if (s) s.handle(ev);
  }

  async function resync() {
    stats.resyncs++;
    const live = await telephony.listChannels();
    const alive = new Set(live.map((c) => c.id));
    // A vanished call was last seen when the socket went down: that is its end time (the
    // resync may come minutes later, after Asterisk restarted).
    const at = lostAt ?? clock().toISOString();
    lostAt = undefined;
    let vanished = 0;
    for (const s of [...sessions.values()]) {
      if (!alive.has(s.channelId)) { vanished++; s.end('vanished', at); }
    }
    log.info({ live: sessions.size, vanished, channels: live.length }, 'resynchronised calls after reconnect');
    for (const hook of o.afterResync ?? []) await hook().catch((err: unknown) => log.error({ err }, 'resync hook failed'));
  }

  async function sweep(): Promise<number> {
    if (!accepting) return 0;
    stats.sweeps++;
    const inApp = (c: ChannelInfo) => c.dialplan.appName === 'Stasis' && (c.dialplan.appData ?? '').split(',')[0] === stasisApp;
    const unowned = (c: ChannelInfo) => !sessions.has(c.id) && !enriching.has(c.id) && !recovered.has(c.id);
    const first = (await telephony.listChannels()).filter((c) => inApp(c) && unowned(c));
    if (first.length === 0) return 0;
    // A channel that has just entered shows in the list before its StasisStart reaches us.
    await new Promise((r) => setTimeout(r, o.sweepGraceMs ?? 500));
    let adopted = 0;
    let roleLegs = 0;
    for (const c of first) {
      if (!unowned(c) || !accepting) continue;
      const args = (c.dialplan.appData ?? '').split(',').slice(1);
      // A role leg (agent, dial leg) belongs to whoever originated it; adopting it as a call would be wrong.
      if (args[0] !== undefined && ROLE_VALUES.has(args[0]) && args[0] !== STASIS_ROLES.campaign) { roleLegs++; continue; }
      adopted++;
      stats.adopted++;
      log.warn({ channelId: c.id, args, state: c.state }, 'call found in our Stasis app with no owner (its StasisStart was never handled): started from the beginning');
      onCallStarted({ type: 'call.started', channel: c, args, at: clock().toISOString() });
    }
    if (adopted || roleLegs) log.info({ adopted, roleLegs }, 'swept the PBX for calls nobody owned');
    return adopted;
  }

  return {
    start(early) {
      if (unsubscribe) return;
      accepting = true;
      // Taken and replayed synchronously: no live event can overtake a buffered one.
      const buffered = early?.take();
      unsubscribe = telephony.onEvent((ev) => {
        try { onEvent(ev); } catch (err) { log.error({ err, event: ev.type }, 'event handling failed'); }
      });
      if (!buffered) return;
      // Their hold music ends as their flows start (a flow's first prompt would stop it too, on Asterisk).
      for (const id of buffered.onHold) telephony.stopMoh(id).catch(() => {});
      for (const ev of buffered.events) {
        try { onEvent(ev); } catch (err) { log.error({ err, event: ev.type }, 'event handling failed'); }
      }
    },
    sweep,
    async stop(deadlineMs) {
      accepting = false;
      if (sessions.size > 0) {
        log.info({ live: sessions.size, deadlineMs }, 'draining live calls');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, deadlineMs);
          drained = () => { clearTimeout(t); resolve(); };
        });
        drained = undefined;
      }
      const left = [...sessions.values()];
      if (left.length) log.warn({ count: left.length }, 'shutdown deadline reached; handing calls back to the dialplan');
      // The hand-backs are sent at once; a PBX slow to answer them must not cost the records
      // (a call whose hand-back hung had no record at all and its attempt was never settled).
      const handing = Promise.all(left.map((s) => s.handBack()));
      let waited: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([handing, new Promise<void>((r) => { waited = setTimeout(r, HAND_BACK_WAIT_MS); })]);
      clearTimeout(waited);
      const at = clock().toISOString();
      for (const s of left) s.end('shutdown', at);
      await Promise.all([...pendingRecords]);
      unsubscribe?.();
      unsubscribe = undefined;
    },
    liveCalls: () => [...sessions.values()].map((s) => s.info()),
    liveCall(callId) {
      const s = sessions.get(callId) ?? [...sessions.values()].find((x) => x.callId === callId);
      return s ? { ...s.info(), path: s.steps() } : undefined;
    },
    registerRole(role, handler) {
      roles.set(role, handler);
      return () => { if (roles.get(role) === handler) roles.delete(role); };
    },
    resync,
    async recoverInterrupted() {
      const left = o.journal?.leftovers() ?? [];
      for (const e of left) {
        const ch = e.input.channelId;
        if (sessions.has(ch)) continue;
        recovered.add(ch);
        const callLog = log.child({ callId: e.input.callId, channelId: ch, ...(e.flow ? { flowId: e.flow.id } : {}) });
        callLog.warn(e.handedBack ? 'call left live by a previous run (killed mid-call): handed back at start, now recorded as interrupted' : 'call left live by a previous run (killed mid-call): recorded as interrupted, channel handed back');
        const facts: CallFacts = {
          input: e.input, endedAt: clock().toISOString(), hangupSide: 'system',
          ...(e.flow ? { flow: e.flow } : {}),
          output: { disposition: 'failed' },
          error: { code: 'CALL_INTERRUPTED_BY_RESTART', message: 'the app stopped (killed or crashed) during the call; its flow did not finish' },
        };
        publishRecord(buildCallRecord(facts, { defaultCountry }), callLog, () => o.journal?.ended(ch));
        if (e.handedBack) continue; // the CLI's early rescue already did (src/calls/early-hand-back.ts)
        // Still on the PBX, waiting in Stasis for an app that is gone: never left in silence.
        const back = e.input.campaign ? telephony.hangup(ch, 'normal') : telephony.continueInDialplan(ch);
        await back.catch((err: unknown) => { if (!(err instanceof ChannelGoneError)) callLog.warn({ err }, 'could not hand the interrupted call back'); });
      }
      await Promise.all([...pendingRecords]);
      return left.length;
    },
    stats: () => ({ ...stats, live: sessions.size }),
    rejected: () => [...rejected],
  };
}

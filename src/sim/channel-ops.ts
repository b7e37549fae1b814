// The ARI channel resource: originate, create + dial, hangup, answer, continue, DTMF, media,
// variables, snoop. Technologies (Local, PJSIP) come from tech-local / tech-pjsip.
import { ARI_HANGUP_REASONS, dialEventStatus } from '../domain/hangup-causes.ts';
import { AriError, parseCallerId, type Chan, type Ctx, type Origination, type Snapshot } from './model.ts';
import { chanEvent, chanJson, dialEvent, getChan, hex8, inStasis, later, newChan, note, now, setVar, splitEndpoint, subscribe } from './core.ts';
import { setRinging } from './hearing.ts';
import { enqueue, enqueueNoop, enqueueSync } from './control-queue.ts';
import { answer, answeredOutbound, destroy, dialplanHangup, dtmfBeginFrom, dtmfFrom, endPart, enterStasis, hangup, indicateRinging, leaveStasis, mediaTo } from './lifecycle.ts';
import { createLocalPair, dialLocal } from './tech-local.ts';
import { behaviorFor, createPjsipChannel, ringFarEnd, scheduleFarEndScript } from './tech-pjsip.ts';
import { extensionExists, runDialplan } from './dialplan.ts';
import { bridgeLeave } from './bridges.ts';
import { play } from './playback.ts';
import { record, type RecordQuery } from './recording.ts';

export interface OriginateParams {
  endpoint?: string; extension?: string; context?: string; priority?: number; label?: string; app?: string; appArgs?: string;
  callerId?: string; timeout?: number; channelId?: string; otherChannelId?: string; originator?: string; variables?: Record<string, string>;
}

/**
 * Rings a PJSIP channel's far end; answered = where the originate said. The app hears `Dial`
 * events. A far end that fails: ChannelHangupRequest with the cause and the SIP status, then,
 * for an originate, `Dial` with the status Asterisk derives from the cause (main/dial.c); a
 * channel created with /channels/create leaves Stasis instead. The PBX giving up (timeout) on
 * an originate only destroys the channel (cause 19); on a created channel it is a soft hangup.
 */
function dialPjsip(x: Ctx, c: Chan, timeoutMs: number): void {
  const beh = c.farEnd?.behavior ?? { behavior: 'answer' as const };
  // An originate's Dial events all carry the dial string; /dial's only the first (traced).
  const ds = c.resource;
  const nextDs = c.created ? '' : ds;
  dialEvent(x, c, '', ds);
  ringFarEnd(x, c, beh, timeoutMs, {
    ringing: () => dialEvent(x, c, 'RINGING', nextDs),
    failed(cause, timedOut) {
      if (timedOut && !c.created) return destroy(x, c, cause);
      const hr = timedOut ? { cause: 32, soft: true } : { cause, ...(c.techCause !== undefined ? { tech_cause: c.techCause } : {}) };
      endPart(x, c, hr, () => {
        if (!c.created) dialEvent(x, c, dialEventStatus(cause), nextDs);
        destroy(x, c, cause);
      });
    },
    answered() {
      scheduleFarEndScript(x, c, beh);
      answeredOutbound(x, c, nextDs);
    },
  });
}

/** Originate `variables`: CALLERID(name) / CALLERID(num) set the caller id, the rest are channel variables. */
function applyVariables(c: Chan, vars: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(vars ?? {})) {
    if (k === 'CALLERID(name)') c.caller = { ...c.caller, name: v };
    else if (k === 'CALLERID(num)') c.caller = { ...c.caller, number: v };
    else c.vars.set(k, v);
  }
}

function validateTarget(x: Ctx, endpoint: string | undefined, ids: (string | undefined)[]): { tech: string; resource: string } {
  if (!endpoint) throw new AriError(400, 'Endpoint must be specified');
  const ep = splitEndpoint(endpoint);
  if (!ep) throw new AriError(400, 'Invalid endpoint specified');
  for (const id of ids) if (id && x.channels.has(id)) throw new AriError(409, 'Channel with given unique ID already exists');
  return ep;
}

function originate(x: Ctx, p: OriginateParams): Snapshot {
  if (!p.endpoint) throw new AriError(400, 'Endpoint must be specified');
  if (!p.app && !p.extension) throw new AriError(400, 'Application or extension must be specified');
  const { tech, resource } = validateTarget(x, p.endpoint, [p.channelId, p.otherChannelId]);
  const caller = parseCallerId(p.callerId);
  const timeoutMs = p.timeout === undefined ? 30_000 : p.timeout < 0 ? Infinity : p.timeout * 1000;
  const target: Origination = { app: p.app, appArgs: p.appArgs ? p.appArgs.split(',') : [], context: p.context, exten: p.extension, priority: p.priority };
  const subscribeApp = (c: Chan) => {
    if (p.app) subscribe(c.subs, p.app, 1);
  };
  // `originator`: the new channel joins that channel's conversation (linkedid), as in Asterisk.
  const linkedid = p.originator ? x.channels.get(p.originator)?.linkedid : undefined;
  let c: Chan;
  if (tech.toLowerCase() === 'local') {
    const [c1, c2] = createLocalPair(x, { id: p.channelId, otherId: p.otherChannelId, resource, caller, originated: true, linkedid });
    c = c1;
    subscribeApp(c2);
    later(x, c1, 0, () => dialLocal(x, c1, timeoutMs, 'destroy'));
  } else {
    const far = behaviorFor(x, tech, resource);
    if (!far.ok) throw new AriError(500, 'Allocation failed', 'error');
    c = createPjsipChannel(x, { id: p.channelId, tech, resource, far, caller, originated: true, linkedid });
    later(x, c, 0, () => dialPjsip(x, c, timeoutMs));
  }
  // ast_dial's prerun copies the originator's caller id into the new channel's connected line
  // (main/dial.c), which chan_pjsip sends as From: the agent's phone shows who is calling. An
  // explicit callerId wins (res/ari/resource_channels.c sets it after the prerun).
  const from = p.originator ? x.channels.get(p.originator) : undefined;
  if (from && !p.callerId) c.connected = { ...from.caller };
  c.originate = target;
  applyVariables(c, p.variables);
  subscribeApp(c);
  return chanJson(x, c);
}

/** POST /channels/create: the channel exists and sits in Stasis (Down) until /dial. */
function createChannel(x: Ctx, p: { endpoint?: string; app?: string; appArgs?: string; channelId?: string; otherChannelId?: string; originator?: string }): Snapshot {
  if (!p.endpoint) throw new AriError(400, 'Endpoint must be specified');
  if (!p.app) throw new AriError(400, 'Application must be specified');
  const { tech, resource } = validateTarget(x, p.endpoint, [p.channelId]);
  if (!x.apps.get(p.app)?.sink) throw new AriError(400, `Stasis app '${p.app}' is not registered`);
  let c: Chan;
  if (tech.toLowerCase() === 'local') {
    const [c1, c2] = createLocalPair(x, { id: p.channelId, otherId: p.otherChannelId, resource, originated: false });
    c = c1;
    subscribe(c2.subs, p.app, 1);
  } else {
    const far = behaviorFor(x, tech, resource);
    if (!far.ok) throw new AriError(500, 'Allocation failed', 'error');
    c = createPjsipChannel(x, { id: p.channelId, tech, resource, far, originated: false });
  }
  c.created = true;
  subscribe(c.subs, p.app, 1);
  const snap = chanJson(x, c);
  enterStasis(x, c, p.app, p.appArgs ? p.appArgs.split(',') : [], false);
  return snap;
}

/** POST /channels/{id}/dial: rings a created channel's endpoint. */
function dial(x: Ctx, id: string, timeout: number | undefined): void {
  const c = inStasis(x, id);
  if (c.answered || c.state !== 'Down' || c.originate) throw new AriError(409, 'Channel is not in the Down state');
  const timeoutMs = timeout === undefined || timeout <= 0 ? Infinity : timeout * 1000;
  c.originate = { appArgs: [] };
  if (c.tech === 'Local' && c.peer) {
    c.peer.state = 'Ring';
    return dialLocal(x, c, timeoutMs, 'hangup');
  }
  dialPjsip(x, c, timeoutMs);
}

function channelHangup(x: Ctx, id: string, reason: string | undefined, reasonCode: number | undefined): void {
  const c = getChan(x, id);
  if (reason && reasonCode !== undefined) throw new AriError(400, "The reason and reason_code can't both be specified");
  let cause = 16;
  if (reasonCode !== undefined) cause = reasonCode;
  else if (reason) {
    const mapped = ARI_HANGUP_REASONS[reason];
    if (mapped === undefined) throw new AriError(400, 'Invalid reason for hangup reason provided');
    cause = mapped;
  }
  if (c.dying) {
    // Already on its way out (a Local half noticing its peer left): the request is
    // still announced, the pending teardown finishes the channel.
    chanEvent(x, c, 'ChannelHangupRequest', { cause: 32, soft: true });
    return;
  }
  if (c.tech === 'Local' && c.half === 2) c.hangupCause = cause;
  hangup(x, c, { cause: 32, soft: true }, cause);
}

function getVar(x: Ctx, id: string, name: string | undefined): { value: string } {
  const c = x.channels.get(id);
  if (!name) throw new AriError(400, 'Variable name is required');
  if (!c || !c.alive) throw new AriError(404, 'Provided channel was not found');
  if (name === 'CHANNEL(pjsip,remote_addr)' && c.tech === 'PJSIP') return { value: '127.0.0.1:5061' };
  if (name === 'CHANNEL(name)') return { value: c.name };
  if (name === 'CALLERID(num)') return { value: c.caller.number };
  if (name === 'CALLERID(name)') return { value: c.caller.name };
  const v = c.vars.get(name);
  if (v === undefined) throw new AriError(404, 'Provided variable was not found');
  return { value: v };
}

function snoop(x: Ctx, id: string, p: { spy?: string; whisper?: string; app?: string; appArgs?: string; snoopId?: string }): Snapshot {
  const target = getChan(x, id);
  if (!p.app) throw new AriError(400, 'Required parameter app not provided');
  const dirs = ['none', 'both', 'out', 'in'];
  if ((p.spy && !dirs.includes(p.spy)) || (p.whisper && !dirs.includes(p.whisper))) throw new AriError(400, 'Invalid direction specified');
  if (p.snoopId && x.channels.has(p.snoopId)) throw new AriError(409, 'Channel with given unique ID already exists');
  x.seq.snoop++;
  const s = newChan(x, { id: p.snoopId, name: `Snoop/${target.id}-${hex8(x.seq.snoop)}`, tech: 'Snoop', resource: target.id, state: 'Up', context: 'default', exten: 's' });
  s.answered = true;
  s.snoopOf = target;
  target.snoops.push(s);
  const snap = chanJson(x, s);
  if (!enterStasis(x, s, p.app, p.appArgs ? p.appArgs.split(',') : [], false)) {
    destroy(x, s, 16);
    throw new AriError(500, 'Snoop channel could not be created');
  }
  return snap;
}

export function channelOps(x: Ctx) {
  return {
    listChannels: () => [...x.channels.values()].filter((c) => c.alive).map((c) => chanJson(x, c)),
    getChannel: (id: string) => chanJson(x, getChan(x, id)),
    originate: (p: OriginateParams) => originate(x, p),
    createChannel: (p: Parameters<typeof createChannel>[1]) => createChannel(x, p),
    dial: (id: string, timeout: number | undefined) => dial(x, id, timeout),
    hangup: (id: string, reason: string | undefined, reasonCode: number | undefined) => channelHangup(x, id, reason, reasonCode),
    answer(id: string) {
      const c = inStasis(x, id);
      return enqueueSync(x, c, () => answer(x, c));
    },
    ring(id: string) {
      const c = inStasis(x, id);
      return enqueueSync(x, c, () => indicateRinging(x, c));
    },
    ringStop(id: string) {
      const c = inStasis(x, id);
      return enqueueSync(x, c, () => setRinging(x, c, false));
    },
    continueInDialplan(id: string, p: { context?: string; extension?: string; priority?: number; label?: string }) {
      const c = inStasis(x, id);
      return enqueueSync(x, c, () => {
        const context = p.context ?? c.dialplan.context;
        const exten = p.extension ?? c.dialplan.exten;
        const priority = p.priority ?? (p.context || p.extension ? 1 : c.dialplan.priority + 1);
        if (c.bridge) bridgeLeave(x, c, 'remove');
        leaveStasis(x, c, { context, exten, priority });
        if (!extensionExists(x, context, exten)) return dialplanHangup(x, c, 0);
        runDialplan(x, c, context, exten, priority);
      });
    },
    redirect(id: string, endpoint: string | undefined) {
      const c = inStasis(x, id);
      if (!endpoint) throw new AriError(400, 'Required parameter endpoint not provided');
      const slash = endpoint.indexOf('/');
      const tech = slash < 0 ? endpoint : endpoint.slice(0, slash);
      if (tech.toLowerCase() !== c.tech.toLowerCase()) throw new AriError(422, `Endpoint technology '${tech}' does not match channel technology '${c.tech}'`);
      if (slash < 0 || slash === endpoint.length - 1) throw new AriError(400, 'Invalid endpoint specified');
      if (c.tech !== 'PJSIP') throw new AriError(422, `Channel technology '${c.tech}' does not support redirect`);
      // A 302 to the caller: it calls the new target itself, our leg ends normally.
      return enqueueSync(x, c, () => {
        note(x, c, { at: now(x), kind: 'redirected', to: endpoint.slice(slash + 1) });
        hangup(x, c, { cause: 16 }, 16);
      });
    },
    dtmf(id: string, p: { dtmf?: string; before?: number; between?: number; duration?: number; after?: number }) {
      const c = inStasis(x, id);
      if (!p.dtmf) throw new AriError(400, 'DTMF is required');
      const digits = [...p.dtmf].filter((d) => /[0-9A-D*#]/i.test(d));
      const before = p.before ?? 0;
      const between = p.between ?? 100;
      const duration = p.duration ?? 100;
      enqueue(c, {
        run(done) {
          // Timing measured on Asterisk: first digit lands before+100+duration ms after the
          // request, then one every duration+between; the channel is busy until the last gap.
          let t = before + 100;
          for (const d of digits) {
            if (c.tech === 'Local') later(x, c, t, () => dtmfBeginFrom(x, c));
            later(x, c, t + duration, () => {
              if (c.farEnd) note(x, c, { at: now(x), kind: 'dtmf-heard', digit: d });
              if (c.tech === 'Local') dtmfFrom(x, c, d, duration);
            });
            t += duration + between;
          }
          later(x, c, digits.length === 0 ? 0 : t, done);
        },
      });
    },
    play(id: string, media: string[], playbackId: string | undefined, lang: string | undefined, offsetMs?: number, skipMs?: number) {
      return play(x, { channel: inStasis(x, id) }, media, playbackId, lang, offsetMs, skipMs);
    },
    record: (id: string, q: RecordQuery) => record(x, { channel: inStasis(x, id) }, q),
    getVar: (id: string, name: string | undefined) => getVar(x, id, name),
    /** report_events: the variable is reported in the channel's snapshots from now on (traced). */
    setVar(id: string, name: string | undefined, value: string | undefined, reportEvents?: boolean) {
      if (!name) throw new AriError(400, 'Variable name is required');
      const c = getChan(x, id);
      // func_talkdetect: a function, not a variable.
      if (name === 'TALK_DETECT(set)' || name === 'TALK_DETECT(remove)') {
        c.talkDetect = name === 'TALK_DETECT(set)';
        return;
      }
      if (reportEvents) (c.reportVars ??= new Set()).add(name);
      setVar(x, c, name, value ?? '');
    },
    moh(id: string, on: boolean, mohClass: string | undefined) {
      const c = inStasis(x, id);
      enqueueNoop(c, () => {
        if (on && mohClass !== undefined && mohClass !== 'default' && mohClass !== 'lab') x.warn(`MOH class '${mohClass}' not found`);
        c.moh = on ? (mohClass ?? 'default') : undefined;
        if (on) mediaTo(x, c);
        note(x, c, { at: now(x), kind: 'moh', on, ...(on ? { mohClass: c.moh } : {}) });
      });
    },
    hold(id: string, on: boolean) {
      const c = inStasis(x, id);
      enqueueNoop(c, () => note(x, c, { at: now(x), kind: 'hold', on }));
    },
    simpleOp(id: string) {
      enqueueNoop(inStasis(x, id));
    },
    snoop: (id: string, p: Parameters<typeof snoop>[2]) => snoop(x, id, p),
  };
}

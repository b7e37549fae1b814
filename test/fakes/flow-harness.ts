// The flow test harness ops use in test/flows/*.test.ts: a scripted caller against a
// compiled flow, with the real flow actors (src/flow-dsl/actors.ts) over the pure fake
// Telephony, a fake ACD and the real hours evaluator — all on one simulated clock, so a
// two-minute call runs in milliseconds. Example:
//
//   const call = await dialFlow(mainFlow, { at: '2026-03-02T10:00:00-05:00' });
//   await call.listen();          // hear the prompts out
//   await call.press('2');        // choose English
//   await call.wait(6);           // say nothing for 6 s
//   expect(call.heard).toContain('en/no-input');
//   expect(call.queue).toBe('support');
import { createActor, type Actor, type AnyStateMachine } from 'xstate';
import type { AcdPort, CallInput, CallOutput, QueueOutcome } from '../../src/calls/contract.ts';
import type { HoursOverride, Schedule } from '../../src/domain/hours.ts';
import { createFlowActors } from '../../src/flow-dsl/actors.ts';
import { compileFlow, type CompiledFlowEx } from '../../src/flow-dsl/compile.ts';
import type { FlowDefinition, LookupFn, LookupServices } from '../../src/flow-dsl/types.ts';
import { createHoursService } from '../../src/hours/service.ts';
import type { Telephony } from '../../src/telephony/port.ts';
import { createFakeTelephony, type FakeTelephony } from './fake-telephony.ts';

/** Deterministic clock: timers fire only when the harness advances time. */
export class ManualClock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(id: unknown): void { this.timers.delete(id as number); }
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const { at } of this.timers.values()) if (min === undefined || at < min) min = at;
    return min;
  }
  /** Moves to `to`, firing due timers in order (one per call so callers can flush between). */
  advanceOne(to: number): boolean {
    const due = [...this.timers.entries()].filter(([, v]) => v.at <= to).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
    if (!due) { this.t = Math.max(this.t, to); return false; }
    this.timers.delete(due[0]);
    this.t = Math.max(this.t, due[1].at);
    due[1].fn();
    return true;
  }
}

export type QueueScript =
  | { outcome: 'answered'; afterSec?: number; agentId?: string; agentName?: string; talkSec?: number }
  | { outcome: 'timeout' | 'no-agents' | 'full'; afterSec?: number }
  | { outcome: 'exit-key'; afterSec?: number; digit?: string };

export type DialScript = { answerAfterSec: number; talkSec: number } | { busy: true } | { noAnswer: true } | { failed: true };

export interface HarnessOptions {
  schedules?: Record<string, Schedule>;
  overrides?: HoursOverride[];
  /** What happens in each queue (default: answered after 20 s, 60 s talk). */
  queues?: Record<string, QueueScript>;
  lookups?: Record<string, LookupFn>;
  lookupServices?: LookupServices;
  /** Endpoint (after interpolation) → what the far end does. Default: no answer. */
  dial?: Record<string, DialScript>;
  /** Seconds each prompt plays (default 2). */
  promptSeconds?: number;
  /** Seconds a caller speaks into voicemail before the recording ends (default 15). */
  voicemailSeconds?: number;
}

export interface CallOptions {
  /** Wall-clock instant the call arrives, ISO with offset. */
  at: string;
  from?: string;
  /** Inbound: the DID dialled. */
  did?: string;
  /** The dialled number (default: `did`); for campaign calls, the number called. */
  to?: string;
  direction?: 'inbound' | 'outbound';
  variables?: Record<string, string>;
  campaign?: CallInput['campaign'];
}

export interface ScriptedCall {
  /** Prompts heard, as `<lang>/<promptId>` or `digits:…` / `number:…`, in order. */
  readonly heard: string[];
  /** Prompts that were cut short by a key press. */
  readonly interrupted: string[];
  readonly telephony: FakeTelephony;
  press(digits: string, opts?: { gapSec?: number }): Promise<void>;
  wait(seconds: number): Promise<void>;
  /**
   * Waits until nothing is playing (the prompt(s) ended) — max 5 simulated minutes. Stops at
   * silence: menu and gather timeouts do not run (use `wait(seconds)` or `finish()`).
   */
  listen(): Promise<void>;
  hangUp(): Promise<void>;
  /** Advances time until the flow ends (max `maxSec`, default 1 h simulated). */
  finish(maxSec?: number): Promise<CallOutput>;
  readonly done: boolean;
  readonly output: CallOutput | undefined;
  /** Current top-level node (or `__end`/`__done`/`__gone`). */
  readonly node: string;
  /** Node ids in the order they were entered. */
  nodes(): string[];
  readonly queue: string | undefined;
  /** Skills the last queue join required. */
  readonly queueSkills: string[] | undefined;
  readonly elapsedSec: number;
  /** Commands the flow sent to the PBX (answer, play, record, originate, continueInDialplan…). */
  ops(): string[];
}

const flush = () => new Promise<void>((r) => setImmediate(r));

const CALL_KEYS = ['at', 'from', 'did', 'to', 'direction', 'variables', 'campaign'];
const OPTION_KEYS = ['schedules', 'overrides', 'queues', 'lookups', 'lookupServices', 'dial', 'promptSeconds', 'voicemailSeconds'];
const DIAL_SHAPES = '{ answerAfterSec, talkSec }, { busy: true }, { noAnswer: true } or { failed: true }';
const QUEUE_OUTCOMES = ['answered', 'timeout', 'no-agents', 'full', 'exit-key'];

/**
 * A misplaced or misspelled harness argument would silently change the scripted call (a dial
 * script the harness does not understand used to mean "no answer"): refuse it, saying where it goes.
 */
function checkArguments(call: CallOptions, o: HarnessOptions): void {
  const fail = (m: string) => { throw new Error(`dialFlow(flow, call, options): ${m}`); };
  for (const k of Object.keys(call)) {
    if (OPTION_KEYS.includes(k)) fail(`'${k}' is a harness option: pass it in the third argument, e.g. dialFlow(flow, { at }, { ${k} })`);
    if (!CALL_KEYS.includes(k)) fail(`unknown call option '${k}' (the second argument takes ${CALL_KEYS.join(', ')})`);
  }
  for (const k of Object.keys(o)) {
    if (CALL_KEYS.includes(k)) fail(`'${k}' describes the call: pass it in the second argument, e.g. dialFlow(flow, { at, ${k} }, options)`);
    if (!OPTION_KEYS.includes(k)) fail(`unknown harness option '${k}' (the third argument takes ${OPTION_KEYS.join(', ')})`);
  }
  for (const [endpoint, d] of Object.entries(o.dial ?? {})) {
    const keys = Object.keys(d ?? {}).sort().join(',');
    const ok = (keys === 'answerAfterSec,talkSec' && Object.values(d).every((v) => typeof v === 'number' && v >= 0))
      || (['busy', 'noAnswer', 'failed'].includes(keys) && Object.values(d)[0] === true);
    if (!ok) fail(`dial['${endpoint}'] is ${JSON.stringify(d)}; a dial script is ${DIAL_SHAPES}`);
  }
  for (const [queue, q] of Object.entries(o.queues ?? {})) {
    const extra = Object.keys(q ?? {}).filter((k) => !['outcome', 'afterSec', 'agentId', 'agentName', 'talkSec', 'digit'].includes(k));
    if (!QUEUE_OUTCOMES.includes(q?.outcome) || extra.length) fail(`queues['${queue}'] is ${JSON.stringify(q)}; a queue script is { outcome: ${QUEUE_OUTCOMES.map((x) => `'${x}'`).join(' | ')}, afterSec?, talkSec?, agentId?, agentName?, digit? }`);
  }
}

export async function dialFlow(flow: FlowDefinition | CompiledFlowEx, call: CallOptions, o: HarnessOptions = {}): Promise<ScriptedCall> {
  checkArguments(call, o);
  const def = 'definition' in flow ? flow.definition : flow;
  const clock = new ManualClock();
  const start = Date.parse(call.at);
  if (Number.isNaN(start)) throw new Error(`bad call time ${call.at}`);
  const now = () => new Date(start + clock.now());
  const compiled = compileFlow(def, { now });
  const fake = createFakeTelephony({ now: () => now().toISOString(), autoFinishPlayback: false });
  const promptMs = (o.promptSeconds ?? 2) * 1000;
  const heard: string[] = [];
  const interrupted: string[] = [];
  const playing = new Map<string, { timer: number; labels: string[] }>();

  // Playback: finish after promptSeconds per item unless stopped (barge-in).
  const telephony: Telephony = {
    ...fake,
    async play(channelId, media, opts) {
      const r = await fake.play(channelId, media, opts);
      const lang = opts?.language ?? def.language;
      const labels = media.map((m) => (m.startsWith('sound:') ? `${lang}/${m.replace(/^sound:/, '')}` : m));
      heard.push(...labels);
      const timer = clock.setTimeout(() => { playing.delete(r.playbackId); fake.finishPlayback(r.playbackId, 'done'); }, promptMs * Math.max(1, media.length));
      playing.set(r.playbackId, { timer, labels });
      return r;
    },
    async stopPlayback(playbackId) {
      const p = playing.get(playbackId);
      if (p) { clock.clearTimeout(p.timer); playing.delete(playbackId); interrupted.push(...p.labels); }
      await fake.stopPlayback(playbackId);
    },
    async record(channelId, req) {
      const r = await fake.record(channelId, req);
      const began = clock.now();
      const end = () => fake.emit({ type: 'recording.finished', name: req.name, targetUri: `channel:${channelId}`, durationSec: Math.round((clock.now() - began) / 1000), at: now().toISOString() });
      recordings.set(req.name, { timer: clock.setTimeout(() => { recordings.delete(req.name); end(); }, Math.min(req.maxDurationSec ?? 120, o.voicemailSeconds ?? 15) * 1000), end });
      return r;
    },
    async originate(req) {
      const r = await fake.originate(req);
      const script = o.dial?.[req.endpoint] ?? { noAnswer: true };
      const peer = r.channelId;
      const destroyed = (cause: number) => fake.emit({ type: 'channel.destroyed', channelId: peer, cause, causeText: String(cause), at: now().toISOString() });
      if ('answerAfterSec' in script) {
        clock.setTimeout(() => {
          fake.emit({ type: 'channel.state', channelId: peer, state: 'Up', at: now().toISOString() });
          // As on Asterisk: an originated leg enters Stasis (its role's owner) once answered.
          const started = { type: 'call.started' as const, channel: { id: peer, name: `${req.endpoint}-${peer}`, state: 'Up' as const, caller: { number: '', name: '' }, connected: { number: '', name: '' }, dialplan: { context: 'default', exten: 's', priority: 1 }, language: 'es', creationTime: now().toISOString() }, args: (req.appArgs ?? '').split(','), at: now().toISOString() };
          fake.channels.set(peer, { ...started.channel, vars: {} });
          roles[started.args[0] ?? '']?.(started);
          clock.setTimeout(() => destroyed(16), script.talkSec * 1000);
        }, script.answerAfterSec * 1000);
      } else if ('busy' in script) clock.setTimeout(() => destroyed(17), 1000);
      else if ('failed' in script) clock.setTimeout(() => destroyed(34), 1000);
      else clock.setTimeout(() => destroyed(19), (req.timeoutSec ?? 30) * 1000);
      return r;
    },
  };
  const recordings = new Map<string, { timer: number; end: () => void }>();

  const acd: AcdPort & { joined: string[]; skills: (string[] | undefined)[] } = {
    joined: [],
    skills: [],
    hasQueue: (id) => o.queues === undefined || id in o.queues,
    join(req) {
      acd.joined.push(req.queueId);
      acd.skills.push(req.skills);
      const s: QueueScript = o.queues?.[req.queueId] ?? { outcome: 'answered', afterSec: 20, talkSec: 60 };
      const began = clock.now();
      const wait = () => Math.round((clock.now() - began) / 1000);
      return new Promise<QueueOutcome>((resolve, reject) => {
        const t = clock.setTimeout(() => {
          if (s.outcome === 'answered') {
            const waited = wait();
            clock.setTimeout(() => resolve({ outcome: 'answered', agentId: s.agentId ?? 'agent-1', ...(s.agentName ? { agentName: s.agentName } : {}), waitSeconds: waited }), (s.talkSec ?? 60) * 1000);
          } else if (s.outcome === 'exit-key') resolve({ outcome: 'exit-key', waitSeconds: wait(), digit: s.digit ?? '*' });
          else resolve({ outcome: s.outcome, waitSeconds: wait() });
        }, (s.afterSec ?? (s.outcome === 'answered' ? 20 : 0)) * 1000);
        req.signal.addEventListener('abort', () => { clock.clearTimeout(t); reject(new Error('left queue')); }, { once: true });
      });
    },
  };

  const hoursService = createHoursService({ schedules: o.schedules ?? {}, overrides: { active: async (id) => (o.overrides ?? []).filter((x) => x.scheduleId === id) } });
  let pb = 0;
  const { actors, roles } = createFlowActors({
    telephony, acd, hours: hoursService, lookups: o.lookups ?? {}, lookupServices: o.lookupServices ?? {},
    newId: () => `id-${++pb}`,
  });

  const to = call.to ?? call.did ?? '6015550100';
  const channelId = fake.placeCall({ from: call.from ?? '+573001112233', to, args: [def.id] });
  const input: CallInput = {
    callId: `call-${channelId}`,
    channelId,
    direction: call.direction ?? 'inbound',
    from: call.from ?? '+573001112233',
    to,
    ...(call.did ? { did: call.did } : {}),
    language: def.language,
    variables: call.variables ?? {},
    ...(call.campaign ? { campaign: call.campaign } : {}),
    startedAt: now().toISOString(),
  };
  const machine = (compiled.machine as AnyStateMachine).provide({ actors });
  const actor: Actor<AnyStateMachine> = createActor(machine, { input, clock });
  actor.subscribe({ error: () => {} });
  actor.start();

  const settle = async () => { for (let i = 0; i < 5; i++) await flush(); };
  const advance = async (ms: number) => {
    const target = clock.now() + ms;
    await settle();
    while (clock.advanceOne(target)) await settle();
    await settle();
  };
  const snap = () => actor.getSnapshot() as { status: string; output?: CallOutput; value: unknown; context: { path: { node: string }[] } };
  await settle();

  const api: ScriptedCall = {
    heard, interrupted, telephony: fake,
    async press(digits, opts = {}) {
      for (const d of digits) {
        actor.send({ type: 'call.dtmf', digit: d });
        await settle();
        if (opts.gapSec) await advance(opts.gapSec * 1000);
      }
    },
    wait: (s) => advance(s * 1000),
    async listen() {
      const limit = clock.now() + 300_000;
      await settle();
      while (playing.size > 0 && clock.now() < limit) {
        const due = clock.nextDue();
        if (due === undefined) break;
        clock.advanceOne(due);
        await settle();
      }
    },
    async hangUp() {
      fake.callerHangup(channelId);
      actor.send({ type: 'call.hangup', side: 'caller' });
      await settle();
      for (const [name, r] of recordings) { clock.clearTimeout(r.timer); recordings.delete(name); r.end(); }
      await settle();
    },
    async finish(maxSec = 3600) {
      const limit = clock.now() + maxSec * 1000;
      await settle();
      while (snap().status === 'active' && clock.now() < limit) {
        const due = clock.nextDue();
        if (due === undefined || due > limit) break;
        clock.advanceOne(due);
        await settle();
      }
      if (snap().status !== 'done') throw new Error(`flow did not finish; still in ${JSON.stringify(snap().value)}`);
      return snap().output!;
    },
    get done() { return snap().status === 'done'; },
    get output() { return snap().output; },
    get node() { const v = snap().value; return typeof v === 'string' ? v : Object.keys(v as object)[0] ?? ''; },
    nodes() { return snap().context.path.map((p) => p.node).filter((n, i, a) => i === 0 || a[i - 1] !== n); },
    get queue() { return acd.joined.at(-1); },
    get queueSkills() { return acd.skills.at(-1); },
    get elapsedSec() { return clock.now() / 1000; },
    ops: () => fake.ops(channelId),
  };
  return api;
}

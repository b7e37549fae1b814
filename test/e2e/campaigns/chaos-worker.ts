// A dialler worker process for the chaos test, with its hopper (rows from PostgreSQL into the
// BullMQ hopper, as `centralita worker` runs them). Its Telephony is a bridge over Redis to a
// PBX that lives in the test process (so calls survive this process being SIGKILLed, as
// they survive on a real Asterisk): originate = a request on a list; events come back on a
// pub/sub channel and are lost while this process is dead, as ARI events are.
import { Redis } from 'ioredis';
import { createLogger } from '../../../src/logger.ts';
import { openStore } from '../../../src/store/index.ts';
import { startHopper, type Hopper } from '../../../src/campaigns/hopper.ts';
import { createDialLimits } from '../../../src/campaigns/limits.ts';
import { createCallOutcomeChannel } from '../../../src/jobs/call-outcome.ts';
import { createDialer } from '../../../src/workers/dialer.ts';
import type { Telephony, TelephonyEvent } from '../../../src/telephony/port.ts';

const [url, P, dbUrl] = [process.argv[2]!, process.argv[3]!, process.argv[4]!];
const redis = new Redis(url, { maxRetriesPerRequest: null });
const sub = new Redis(url, { maxRetriesPerRequest: null });
const handlers = new Set<(e: TelephonyEvent) => void>();
await sub.subscribe(`${P}:pbx:events`);
sub.on('message', (_c: string, m: string) => { const e = JSON.parse(m) as TelephonyEvent; for (const h of handlers) h(e); });

const unused = () => Promise.reject(new Error('not used by the dialler'));
const telephony: Telephony = {
  async originate(req) {
    await redis.multi().hincrby(`${P}:pbx:originates`, req.channelId!, 1).rpush(`${P}:pbx:calls`, JSON.stringify(req)).exec();
    return { channelId: req.channelId! };
  },
  onEvent(h) { handlers.add(h); return () => handlers.delete(h); },
  answer: unused, ring: unused, play: unused, stopPlayback: unused, startMoh: unused, stopMoh: unused, hangup: unused, continueInDialplan: unused, setVariable: unused,
  getVariable: unused, sendDtmf: unused, record: unused, recordBridge: unused, stopRecording: unused, createBridge: unused, addToBridge: unused, removeFromBridge: unused, destroyBridge: unused,
  startBridgeMoh: unused, listChannels: unused /* cannot list: the dialler's vanish check learns nothing */, listBridges: async () => [], endpointState: async () => undefined,
    playbackState: async () => undefined, deviceState: async () => undefined, liveRecordingState: async () => undefined, subscribe: async () => {},
};

const outcomes = createCallOutcomeChannel(redis, { prefix: P });
const db = await openStore({ url: dbUrl, defaultCountry: 'CO', poolMax: 6 });
const logger = createLogger({ level: 'silent' });
const ref: { hopper?: Hopper } = {};
const dialer = createDialer({
  connection: redis, bullPrefix: `${P}-bull`, store: db.campaigns.store(), limits: createDialLimits(redis, { prefix: P, leaseMs: 1500 }),
  outcomes, telephony, logger, globalMaxCallsPerSecond: 200, globalMaxConcurrentCalls: 30,
  recordGraceMs: 300, lockDurationMs: 1000, stalledIntervalMs: 500, onSettled: () => ref.hopper?.kick(),
});
// Rows a killed worker had taken but not queued come back after 2 s.
ref.hopper = startHopper({ store: db.campaigns.hopper, queue: dialer.queue, clock: Date.now, logger, global: { maxCallsPerSecond: 200, maxConcurrentCalls: 30 }, intervalMs: 100, lostAfterMs: 2000 });
process.stdout.write('ready\n');

// The real stack against the simulated PBX: ari-client REST + our WebSocket (adapter),
// call actors, call service with the test flows, records published to a real redis.
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { pino, type Logger } from 'pino';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { createCallActors, actorImplementations, type CallActors } from '../../../src/calls/actors.ts';
import { createCallService, type CallService } from '../../../src/calls/service.ts';
import { createCallRecordPublisher } from '../../../src/calls/records.ts';
import { createEventBus, type EventBus } from '../../../src/domain/event-bus.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { QUEUES } from '../../../src/jobs/names.ts';
import { testFlows } from '../../fakes/test-flows.ts';
export { waitFor } from '../../helpers/wait.ts';

export const SOUNDS = { 'hello-world': 200, 'long-prompt': 60_000 };

export async function startSim(port = 0): Promise<Simulator> {
  return startSimulator({ host: '127.0.0.1', port, user: 'centralita', password: 'sim-secret', soundLengths: SOUNDS, dids: { '6015550001': 'hello', '6015550002': 'menu', '6015550003': 'nope', '6015550004': 'crash' } });
}

export interface App {
  telephony: AriTelephony;
  actors: CallActors;
  calls: CallService;
  bus: EventBus;
  records: CallRecord[];
  queue: Queue;
  redis: Redis;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startApp(opts: { ariUrl: string; redisUrl: string; prefix: string; requestTimeoutMs?: number; rest?: 'http' | 'ari-client'; backoff?: { initialMs?: number; maxMs?: number } }): Promise<App> {
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (l: string) => { logs.push(JSON.parse(l) as Record<string, unknown>); } });
  const telephony = await createAriTelephony({
    url: opts.ariUrl.replace(/\/ari$/, ''), user: 'centralita', password: 'sim-secret', app: 'centralita',
    requestTimeoutMs: opts.requestTimeoutMs ?? 2000, logger, backoff: opts.backoff ?? { initialMs: 50, maxMs: 300 }, pingIntervalMs: 0, rest: opts.rest ?? 'ari-client',
  });
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const bus = createEventBus();
  const records: CallRecord[] = [];
  bus.on('call.record', (r) => records.push(r));
  const publisher = createCallRecordPublisher({ connection: redis, bus, logger, bullPrefix: opts.prefix, keyPrefix: opts.prefix });
  const actors = createCallActors({ telephony });
  const calls = createCallService({ telephony, flows: testFlows(), actors: actorImplementations(actors), records: publisher, bus, logger });
  calls.start();
  const queue = new Queue(QUEUES.callRecords, { connection: redis, prefix: opts.prefix });
  return {
    telephony, actors, calls, bus, records, queue, redis, logs,
    async stop() {
      await calls.stop(100);
      actors.dispose();
      await telephony.close();
      await queue.close();
      await publisher.close();
      await redis.quit();
    },
  };
}


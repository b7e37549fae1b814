// Starts the background workers of one process (the app runs them too in the embedded
// default; `centralita worker` runs only these). Each worker is built from config here so
// main.ts stays a table of contents.
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { Telephony } from '../telephony/port.ts';
import type { CallOutcomeChannel } from '../jobs/call-outcome.ts';
import { startHubspotLogging } from './hubspot.ts';

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  redisUrl: string;
  telephony: Telephony;
  bus: EventBus;
  metrics: Registry;
  outcomes: CallOutcomeChannel;
}

export interface RunningWorkers {
  stop(): Promise<void>;
}

export async function startWorkers(d: WorkerDeps): Promise<RunningWorkers> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => d.logger.error({ err }, 'worker stop failed'));
  };
  try {
    stops.push(await startHubspot(d));
    return { stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startHubspot(d: WorkerDeps): Promise<() => Promise<void>> {
  const hubspot = await startHubspotLogging({ config: d.config, redis: d.redis, connection: d.redis, logger: d.logger.child({ component: 'hubspot' }) });
  return () => hubspot.close();
}

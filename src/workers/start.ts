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
import { KEY_PREFIX } from '../jobs/names.ts';
import { parseHubspotSettings, budgetLimits } from '../integrations/hubspot/settings.ts';
import { createRedisBudget } from '../integrations/hubspot/budget.ts';
import { createHubspotCrm } from '../integrations/hubspot/sdk-crm.ts';
import { createOutboxCrm } from '../integrations/hubspot/outbox-crm.ts';
import { createHubspotWorker } from './hubspot.ts';

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
  const { config } = d;
  const settings = parseHubspotSettings({ tier: config.hubspot.tier, createContacts: config.hubspot.createContacts, defaultCountry: config.defaultCountry });
  const logger = d.logger.child({ component: 'hubspot' });
  const crm =
    config.hubspot.mode === 'api'
      ? createHubspotCrm({
          baseUrl: config.hubspot.baseUrl, token: config.hubspot.token, recordIdProperty: settings.recordIdProperty, defaultCountry: settings.defaultCountry, requestTimeoutMs: settings.requestTimeoutMs,
          budget: createRedisBudget({ redis: d.redis, keyPrefix: `${KEY_PREFIX}:hubspot:budget`, limits: budgetLimits(settings) }),
        })
      : createOutboxCrm({ file: config.hubspot.outboxFile, recordIdProperty: settings.recordIdProperty, defaultCountry: settings.defaultCountry });
  if (config.hubspot.mode === 'outbox') logger.info({ outbox: config.hubspot.outboxFile }, 'no HUBSPOT_TOKEN: HubSpot requests are written to the local outbox');
  const worker = createHubspotWorker({ connection: d.redis, redis: d.redis, crm, settings, logger });
  return async () => {
    await worker.close();
    if ('close' in crm && typeof crm.close === 'function') crm.close();
  };
}

// A HubSpot worker in its own process, for crash tests and the multi-process benchmark: with
// CRASH_AFTER_CREATE=1 it kills itself (SIGKILL, no clean-up) right after HubSpot created the
// calls and before the ledger write — the window an exactly-once design must survive.
import { Redis } from 'ioredis';
import { createHubspotWorker, hubspotKeys } from '../../src/workers/hubspot.ts';
import { createHubspotCrm } from '../../src/integrations/hubspot/sdk-crm.ts';
import { createRedisBudget } from '../../src/integrations/hubspot/budget.ts';
import { budgetLimits, parseHubspotSettings } from '../../src/integrations/hubspot/settings.ts';
import { createLogger } from '../../src/logger.ts';

const env = process.env;
const redis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: null });
const settings = parseHubspotSettings(JSON.parse(env.SETTINGS_JSON ?? '{}'));
const keyPrefix = env.KEY_PREFIX!;
const crm = createHubspotCrm({
  baseUrl: env.HUBSPOT_URL!, token: 'test-token', recordIdProperty: settings.recordIdProperty, defaultCountry: settings.defaultCountry,
  requestTimeoutMs: settings.requestTimeoutMs, budget: createRedisBudget({ redis, keyPrefix: hubspotKeys(keyPrefix).budget, limits: budgetLimits(settings) }),
});
const hw = createHubspotWorker({
  connection: redis.duplicate({ maxRetriesPerRequest: null }), redis, crm, settings, keyPrefix, bullPrefix: env.BULL_PREFIX!,
  logger: createLogger({ level: 'silent', destination: { write: () => undefined } }),
  // Stalled checks are shared across workers (one per interval), so the interval must be short here too.
  worker: { lockDuration: Number(env.LOCK_MS ?? 1000), stalledInterval: Number(env.STALLED_MS ?? 300), ...(env.MAX_STALLED ? { maxStalledCount: Number(env.MAX_STALLED) } : {}) },
  afterCreate: (created) => {
    // The record ids too: the benchmark's lower bound counts the searches needed to find these calls again.
    process.stdout.write(`created ${created.size} ${JSON.stringify([...created.keys()])}\n`);
    if (env.CRASH_AFTER_CREATE === '1') process.kill(process.pid, 'SIGKILL');
  },
});
process.on('SIGTERM', () => {
  void hw.close().then(() => { redis.disconnect(); process.exit(0); });
});
process.stdout.write('ready\n');

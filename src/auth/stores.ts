// The auth stores of a process that has no system of record of its own (`centralita worker`):
// PostgreSQL when DATABASE_URL names the app's database (tokens the app issued work here
// too), else empty in-memory stores, so only the public probes answer.
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { AuthStores } from './ports.ts';
import { memoryAuthStores } from './memory.ts';
import { openStore } from '../store/index.ts';

export async function openAuthStores(config: Config, logger?: Logger): Promise<{ stores: AuthStores; close(): Promise<void> }> {
  if (config.database.mode === 'external') {
    const store = await openStore({ url: config.database.url, defaultCountry: config.defaultCountry, poolMax: 2 });
    return { stores: store.auth, close: () => store.close() };
  }
  logger?.warn('no DATABASE_URL: this process knows no users or API tokens; only /healthz and /readyz answer (set DATABASE_URL to the app\'s database)');
  return { stores: memoryAuthStores(), close: async () => {} };
}

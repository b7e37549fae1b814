// Opens the auth stores for this process. PostgreSQL when the database layer is available;
// until then (and in unit tests) the in-memory twins.
import type { Config } from '../config.ts';
import type { AuthStores } from './ports.ts';
import { memoryAuthStores } from './memory.ts';

export async function openAuthStores(_config: Config): Promise<{ stores: AuthStores; close(): Promise<void> }> {
  return { stores: memoryAuthStores(), close: async () => {} };
}

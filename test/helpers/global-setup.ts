import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServerHandle } from '../../src/infra/redis-server.ts';
import { startPostgresServer, type PostgresServerHandle } from '../../src/infra/postgres-server.ts';
import { waitForDatabase } from '../../src/store/db.ts';
import { buildWeb } from '../../src/tools/build-web.ts';

// A REAL redis-server and a REAL PostgreSQL (Debian packages) on free loopback ports, in
// temp dirs, for the whole run. Tests use `inject('redisUrl')` with a key prefix / db of
// their own, and `createTestDatabase()` (test/helpers/db.ts) for a database of their own.
let redis: RedisServerHandle | undefined;
let postgres: PostgresServerHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  // The browser tests and the bundle budget need web/dist; rebuilt only when web/ changed.
  await buildWeb({ ifStale: true, quiet: true });
  [redis, postgres] = await Promise.all([startRedisServer({}), startPostgresServer({ durable: false })]);
  await waitForDatabase(postgres.adminUrl);
  project.provide('redisUrl', redis.url);
  project.provide('pgAdminUrl', postgres.adminUrl);
}

export async function teardown(): Promise<void> {
  await Promise.all([redis?.stop(), postgres?.stop()]);
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** Superuser URL of the test PostgreSQL's maintenance database. */
    pgAdminUrl: string;
  }
}

import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServerHandle } from '../../src/infra/redis-server.ts';

// A REAL redis-server (Debian package) on a free loopback port, in a temp dir, for the
// whole run. Tests use `inject('redisUrl')` and a unique key prefix / db of their own.
let redis: RedisServerHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  redis = await startRedisServer({});
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

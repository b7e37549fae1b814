// Composition root: config → logger → adapters → services → start/stop.
// Everything is built here and passed down; no module keeps a singleton.
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { startRedisServer, RedisServerMissingError } from './infra/redis-server.ts';
import { createHttpServer, type ReadinessCheck } from './http/server.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunningApp {
  httpUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

/** Builds and starts everything for one process. Resources are stopped in reverse order. */
export async function startCentralita(config: Config, logger: Logger): Promise<RunningApp> {
  const stack: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const r of stack.reverse()) {
      try { await r.stop(); } catch (err) { logger.error({ err, resource: r.name }, 'error while stopping'); }
    }
    stack.length = 0;
  };
  try {
    await mkdir(config.dataDir, { recursive: true });
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'centralita_' });
    const readiness: ReadinessCheck[] = [];

    let redisUrl: string;
    if (config.redis.mode === 'external') {
      redisUrl = config.redis.url;
    } else {
      const dir = `${config.dataDir}/redis`;
      await mkdir(dir, { recursive: true });
      const redis = await startRedisServer({ dir, appendOnly: true });
      stack.push({ name: 'redis-server', stop: () => redis.stop() });
      redisUrl = redis.url;
      logger.info({ redisUrl, redisPid: redis.pid }, 'started embedded redis-server (no REDIS_URL configured)');
    }

    const http = createHttpServer({ logger, metrics, readiness, version: VERSION });
    const httpUrl = await http.listen({ host: config.http.host, port: config.http.port });
    stack.push({ name: 'http', stop: () => http.close() });
    return { httpUrl, redisUrl, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export async function runMain(env: Record<string, string | undefined>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets });
  let app: RunningApp;
  try {
    app = await startCentralita(config, logger);
  } catch (err) {
    if (err instanceof RedisServerMissingError) {
      process.stderr.write(`centralita: ${err.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err }, 'start-up failed');
    logger.flush?.();
    process.exit(1);
  }
  process.stdout.write(`centralita ${VERSION} running\n  API and dashboard: ${app.httpUrl}/\n  health: ${app.httpUrl}/healthz  readiness: ${app.httpUrl}/readyz  metrics: ${app.httpUrl}/metrics\n  Ctrl-C to stop\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => { logger.info('stopped cleanly'); logger.flush?.(); process.exit(0); },
      (err: unknown) => { logger.error({ err }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

// Wiring of the system of record for main.ts: the database (DATABASE_URL, or a private
// PostgreSQL in DATA_DIR), migrations, the repositories and the durable spool that
// feeds them. Returns what the rest of the app uses, plus one stop function.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { Logger } from '../logger.ts';
import { startPostgresServer } from '../infra/postgres-server.ts';
import { openSpool } from '../spool/spool.ts';
import { ensureDatabase, openStore, redactUrl, type Store } from '../store/index.ts';
import { startHistoryCapture, type HistoryCapture, type HistoryEntry } from './capture.ts';
import type { QueueThresholds } from './ports.ts';

export interface HistoryRuntime {
  store: Store;
  /** SL thresholds per queue (from flows/queues.ts), used by rollups and reports. */
  setThresholds(t: Record<string, QueueThresholds>): void;
  thresholds(): Record<string, QueueThresholds>;
  capture: HistoryCapture;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** The database URL: DATABASE_URL, or a private PostgreSQL in DATA_DIR/postgres (started here). */
export async function startDatabaseServer(config: Config, logger: Logger): Promise<{ url: string; stop(): Promise<void> }> {
  if (config.database.mode === 'external') return { url: config.database.url, stop: async () => {} };
  const dir = join(config.dataDir, 'postgres');
  const server = await startPostgresServer({ dir, ownedRoot: config.dataDir });
  await ensureDatabase(server.adminUrl, 'centralita');
  logger.info({ postgresPort: server.port, postgresPid: server.pid, dir }, 'started embedded PostgreSQL (no DATABASE_URL configured)');
  return { url: server.urlFor('centralita'), stop: () => server.stop() };
}

export async function startHistory(deps: { config: Config; logger: Logger; bus: EventBus; metrics?: Registry; thresholds?: Record<string, QueueThresholds> }): Promise<HistoryRuntime> {
  const { config, logger, bus } = deps;
  const server = await startDatabaseServer(config, logger);
  let store: Store;
  let thresholds: Record<string, QueueThresholds> = deps.thresholds ?? {};
  try {
    store = await openStore({ url: server.url, defaultCountry: config.defaultCountry, thresholds: () => thresholds, poolMax: config.database.poolMax, onError: (err) => logger.warn({ err: err.message }, 'idle database connection failed') });
  } catch (err) {
    await server.stop();
    throw err;
  }
  if (store.migrated.length) logger.info({ migrations: store.migrated, database: redactUrl(server.url) }, 'database migrated');
  const spoolDir = join(config.dataDir, 'spool', 'history');
  await mkdir(spoolDir, { recursive: true });
  const spool = await openSpool<HistoryEntry>({ dir: spoolDir });
  const rejectedFile = join(config.dataDir, 'spool', 'history-rejected.jsonl');
  const capture = startHistoryCapture({
    spool, history: store.history, bus, logger: logger.child({ component: 'history' }), bootId: `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    onRejected: (entry, err) => { void appendFile(rejectedFile, `${JSON.stringify({ at: new Date().toISOString(), error: (err as Error).message, entry })}\n`).catch(() => {}); },
  });
  if (deps.metrics) {
    new Gauge({ name: 'centralita_history_spool_pending', help: 'History entries on local disk not yet in the database', registers: [deps.metrics], collect() { this.set(spool.stats().pending); } });
    new Gauge({ name: 'centralita_history_spool_failures', help: 'Failed deliveries of spooled history to the database (since start)', registers: [deps.metrics], collect() { this.set(spool.stats().failures); } });
  }
  return {
    store,
    setThresholds(t) { thresholds = t; },
    thresholds: () => thresholds,
    capture,
    databaseUrl: server.url,
    async stop() {
      capture.stop();
      // A short grace so what the last calls produced reaches the database; the rest stays spooled.
      await Promise.race([capture.flushed(), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await spool.close();
      await store.close();
      await server.stop();
    },
  };
}

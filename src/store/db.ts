// The PostgreSQL connection: a node-postgres pool wrapped by Kysely (typed queries), the
// versioned migrations applied at start-up, and the small admin helpers the embedded
// default and the tests need (create a database, wait until the server accepts
// connections). Only src/store/* imports `pg` and `kysely` (lint rule).
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import type { Schema } from './schema.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { CentralitaError } from '../errors.ts';

// int8 (count(*), bigserial) as JS numbers: our counts stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));
pg.types.setTypeParser(1700, (v: string) => Number(v)); // numeric (avg, round)

export type Db = Kysely<Schema>;

export interface Database {
  db: Db;
  pool: pg.Pool;
  /** Runs pending migrations (idempotent; concurrent starters serialise on a lock). */
  migrate(): Promise<string[]>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenOptions {
  url: string;
  /** Pool size (default 10). */
  max?: number;
  /** Called for errors of idle pooled connections (the pool replaces them). */
  onError?: (err: Error) => void;
  /** Statement timeout for every query (ms, default 30 s): a stuck query never hangs a request. */
  statementTimeoutMs?: number;
  applicationName?: string;
}

export class DatabaseError extends CentralitaError {}

export function openDatabase(o: OpenOptions): Database {
  const pool = new pg.Pool({
    connectionString: o.url, max: o.max ?? 10, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000,
    statement_timeout: o.statementTimeoutMs ?? 30_000, application_name: o.applicationName ?? 'centralita',
  });
  pool.on('error', (err) => o.onError?.(err));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    async migrate() {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => MIGRATIONS },
        migrationTableName: 'schema_migrations',
        migrationLockTableName: 'schema_migrations_lock',
        allowUnorderedMigrations: true,
      });
      const r: MigrationResultSet = await migrator.migrateToLatest();
      if (r.error) {
        const failed = r.results?.find((m) => m.status === 'Error')?.migrationName;
        throw new DatabaseError('DB_MIGRATION_FAILED', `database migration ${failed ?? ''} failed: ${(r.error as Error).message ?? String(r.error)}`);
      }
      return (r.results ?? []).filter((m) => m.status === 'Success').map((m) => m.migrationName);
    },
    async ping() {
      try { await sql`select 1`.execute(db); return true; } catch { return false; }
    },
    async close() { await db.destroy(); },
  };
}

const STARTING_UP = new Set(['57P03', 'ECONNREFUSED', 'ECONNRESET']);

/** Waits until the server accepts a real connection (a fresh postmaster answers 57P03 for a moment). */
export async function waitForDatabase(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await c.connect();
      await c.query('select 1');
      await c.end();
      return;
    } catch (err) {
      await c.end().catch(() => {});
      const code = (err as { code?: string }).code ?? '';
      if (!STARTING_UP.has(code) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Creates `name` on the server of `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new DatabaseError('DB_BAD_NAME', `not a safe database name: ${name}`);
  await waitForDatabase(adminUrl);
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (r.rowCount === 0) {
      try { await c.query(`create database ${name}`); } catch (err) {
        if ((err as { code?: string }).code !== '42P04') throw err; // created meanwhile by another starter
      }
    }
  } finally {
    await c.end();
  }
}

/** Connection URL with its password hidden (for logs). */
export function redactUrl(url: string): string {
  try { const u = new URL(url); if (u.password) u.password = '***'; return u.toString(); } catch { return '(invalid URL)'; }
}

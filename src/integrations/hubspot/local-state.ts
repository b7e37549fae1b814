// State kept by the `hubspot` commands when no Redis is configured (REDIS_URL unset): the
// exactly-once ledger and the calls waiting for reconciliation, as JSON files in DATA_DIR.
// Written whole to a temporary file and renamed, so a crash leaves the old or the new file,
// never half of one. Meant for one command at a time on one machine (the app uses Redis).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Ledger, LedgerEntry } from './ledger.ts';
import type { UnassociatedCall } from './call-logger.ts';
import type { UnassociatedStore } from './unassociated.ts';

function readJson<T>(file: string, empty: T): T {
  if (!existsSync(file)) return empty;
  try { return JSON.parse(readFileSync(file, 'utf8')) as T; } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); move it aside to start afresh`, { cause: e });
  }
}

function writeJson(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data));
  const fd = openSync(tmp, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, file);
}

export function createFileLedger(file: string): Ledger {
  const load = () => readJson<Record<string, LedgerEntry>>(file, {});
  return {
    async get(ids) {
      const all = load();
      return new Map(ids.flatMap((id) => (all[id] ? [[id, all[id]] as const] : [])));
    },
    async markPending(ids, at, staleBefore) {
      const all = load();
      const out: string[] = [];
      for (const id of ids) {
        const e = all[id];
        if (!e || (e.state === 'pending' && e.at < staleBefore)) { all[id] = { state: 'pending', at }; out.push(id); }
      }
      if (out.length) writeJson(file, all);
      return out;
    },
    async markDone(entries, at) {
      if (!entries.length) return;
      const all = load();
      for (const e of entries) all[e.key] = { state: 'done', id: e.id, at };
      writeJson(file, all);
    },
    async clear(ids) {
      const all = load();
      let changed = false;
      for (const id of ids) if (all[id]) { delete all[id]; changed = true; }
      if (changed) writeJson(file, all);
    },
  };
}

export function createFileUnassociatedStore(file: string): UnassociatedStore {
  const load = () => readJson<Record<string, UnassociatedCall>>(file, {});
  return {
    async put(calls) {
      if (!calls.length) return;
      const all = load();
      for (const c of calls) all[c.recordId] = c;
      writeJson(file, all);
    },
    async *pages(size) {
      const all = Object.entries(load());
      for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size).map(([k, v]) => ({ key: k, raw: JSON.stringify(v) }));
    },
    async remove(ids) {
      const all = load();
      for (const id of ids) delete all[id];
      writeJson(file, all);
    },
    async count() { return Object.keys(load()).length; },
  };
}

// The recordings catalogue on PostgreSQL.
import type { RecordingCatalog, RecordingEntry } from '../recordings/ports.ts';
import type { Db } from './db.ts';
import type { RecordingsTable } from './schema.ts';
import type { Selectable } from 'kysely';

function entry(r: Selectable<RecordingsTable>): RecordingEntry {
  const e: RecordingEntry = {
    name: r.name, storage: r.storage, key: r.key, contentType: r.content_type, bytes: Number(r.bytes),
    createdAt: new Date(r.created_at).toISOString(), linkVersion: r.link_version,
  };
  if (r.record_id) e.recordId = r.record_id;
  if (r.duration_sec !== null) e.durationSec = r.duration_sec;
  if (r.link_revoked_at) e.linkRevokedAt = new Date(r.link_revoked_at).toISOString();
  if (r.deleted_at) e.deletedAt = new Date(r.deleted_at).toISOString();
  return e;
}

export function pgRecordingCatalog(db: Db): RecordingCatalog {
  return {
    async add(e) {
      await db.insertInto('recordings').values({
        name: e.name, record_id: e.recordId ?? null, storage: e.storage, key: e.key, content_type: e.contentType, bytes: e.bytes,
        duration_sec: e.durationSec ?? null, created_at: e.createdAt, link_revoked_at: null, deleted_at: null,
      }).onConflict((oc) => oc.column('name').doNothing()).execute();
    },
    async get(name) {
      const r = await db.selectFrom('recordings').selectAll().where('name', '=', name).executeTakeFirst();
      return r ? entry(r) : undefined;
    },
    async revokeLinks(name, at) {
      const r = await db.updateTable('recordings').set((eb) => ({ link_version: eb('link_version', '+', 1), link_revoked_at: at })).where('name', '=', name).returningAll().executeTakeFirst();
      return r ? entry(r) : undefined;
    },
    async olderThan(cutoff, limit) {
      return (await db.selectFrom('recordings').selectAll().where('created_at', '<', new Date(cutoff)).where('deleted_at', 'is', null).orderBy('created_at').limit(limit).execute()).map(entry);
    },
    async markDeleted(names, at) {
      if (!names.length) return;
      await db.updateTable('recordings').set({ deleted_at: at }).where('name', 'in', names).execute();
    },
  };
}

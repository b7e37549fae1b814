// The retention policy, enforced by a scheduled job: call records with their queue events,
// agent states and rollups (RETENTION_RECORDS_DAYS), recordings — audio and catalogue
// (RETENTION_RECORDINGS_DAYS), and the audit log (RETENTION_AUDIT_DAYS). Time is injected.
import type { BlobStore, RecordingCatalog } from '../recordings/ports.ts';
import type { RetentionStore } from '../store/index.ts';

export interface RetentionPolicy { recordsDays: number; recordingsDays: number; auditDays: number }
export interface RetentionResult { records: number; recordings: number; audit: number; recordingErrors: number }

const DAY = 86_400_000;

export async function runRetention(deps: {
  retention: RetentionStore; catalog: RecordingCatalog; stores: Record<string, BlobStore>; policy: RetentionPolicy; now: number; batch?: number;
  onError?: (err: unknown, what: string) => void;
}): Promise<RetentionResult> {
  const batch = deps.batch ?? 5_000;
  const out: RetentionResult = { records: 0, recordings: 0, audit: 0, recordingErrors: 0 };
  const drain = async (kind: 'records' | 'audit', days: number) => {
    const cutoff = new Date(deps.now - days * DAY);
    for (;;) {
      const n = await deps.retention.purgeBatch(kind, cutoff, batch);
      out[kind] += n;
      if (n === 0) break;
    }
  };
  await drain('records', deps.policy.recordsDays);
  await drain('audit', deps.policy.auditDays);
  const cutoff = new Date(deps.now - deps.policy.recordingsDays * DAY).toISOString();
  for (;;) {
    const old = await deps.catalog.olderThan(cutoff, 500);
    if (!old.length) break;
    const gone: string[] = [];
    for (const r of old) {
      try {
        const store = deps.stores[r.storage];
        if (!store) throw new Error(`no ${r.storage} store in this process`);
        await store.delete(r.key);
        gone.push(r.name);
      } catch (err) {
        out.recordingErrors++;
        deps.onError?.(err, `recording ${r.name}`);
      }
    }
    await deps.catalog.markDeleted(gone, new Date(deps.now).toISOString());
    out.recordings += gone.length;
    if (gone.length < old.length) break; // failures stay for the next run
  }
  return out;
}

/** Runs the job now and then every `everyMs` (default hourly: cheap when nothing is due). */
export function scheduleRetention(run: () => Promise<RetentionResult>, opts: { everyMs?: number; onResult: (r: RetentionResult) => void; onError: (err: unknown) => void }): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    run().then(opts.onResult, opts.onError).finally(() => { running = false; });
  };
  const first = setTimeout(tick, 30_000);
  first.unref();
  timer = setInterval(tick, opts.everyMs ?? 3_600_000);
  timer.unref();
  return { stop() { clearTimeout(first); if (timer) clearInterval(timer); timer = undefined; } };
}

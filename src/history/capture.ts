// Feeds the system of record without touching call control: call records, queue events,
// agent states and HubSpot engagement ids are appended to the durable spool (fsync'd,
// group-committed) and a background consumer writes them to the CallHistory in batches.
// When PostgreSQL is down the entries wait on disk and are delivered on recovery or at
// the next start; writes are idempotent, so a batch delivered twice is stored once.
import type { CallRecord } from '../domain/call-record.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { Spool } from '../spool/spool.ts';
import type { AcdEvent, AgentStateEvent } from '../acd/stats.ts';
import type { CallHistory, StoredAgentState, StoredQueueEvent } from './ports.ts';

export type HistoryEntry =
  | { k: 'record'; r: CallRecord }
  | { k: 'queue'; e: StoredQueueEvent }
  | { k: 'agent'; s: StoredAgentState }
  | { k: 'hubspot'; recordId: string; hubspotCallId: string };

export interface HistoryCapture {
  /** Resolves once the record is durable on local disk (not yet in the database). */
  record(r: CallRecord): Promise<void>;
  hubspotLogged(recordId: string, hubspotCallId: string): void;
  /** Resolves when everything captured so far is in the database. */
  flushed(): Promise<void>;
  stop(): void;
}

export interface CaptureLogger { warn(o: object, m?: string): void; error(o: object, m?: string): void }

const QUEUE_EVENT_TYPES = new Set(['join', 'reject', 'ring', 'ring-failed', 'connect', 'complete', 'wrapup', 'leave']);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Bus payload of `queue.event` → stored event (the ACD's AcdEvent with an ISO `at`). */
export function toStoredQueueEvent(id: string, p: Record<string, unknown>): StoredQueueEvent | undefined {
  const { type, queueId, callId, at, agentId, waitSec, talkSec, wrapUpSec, outcome, ...rest } = p;
  const ms = typeof at === 'string' ? Date.parse(at) : NaN;
  if (typeof type !== 'string' || !QUEUE_EVENT_TYPES.has(type) || typeof queueId !== 'string' || typeof callId !== 'string' || Number.isNaN(ms)) return undefined;
  const e: StoredQueueEvent = { id, type: type as StoredQueueEvent['type'], queueId, callId, at: ms };
  if (typeof agentId === 'string') e.agentId = agentId;
  const w = num(waitSec); if (w !== undefined) e.waitSec = w;
  const t = num(talkSec); if (t !== undefined) e.talkSec = t;
  const u = num(wrapUpSec); if (u !== undefined) e.wrapUpSec = u;
  if (typeof outcome === 'string') e.outcome = outcome;
  if (Object.keys(rest).length) e.data = rest;
  return e;
}

/** SQLSTATE classes that no retry can fix: data exceptions, integrity, syntax/undefined object. */
function isPermanent(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|42)[0-9A-Z]{3}$/.test(code);
}

/** Stored event → the ACD's own event shape (restoring its log after a restart). */
export function toAcdEvent(e: StoredQueueEvent): AcdEvent {
  const out: Record<string, unknown> = { ...(e.data ?? {}), type: e.type, queueId: e.queueId, callId: e.callId, at: e.at };
  if (e.agentId !== undefined) out.agentId = e.agentId;
  if (e.waitSec !== undefined) out.waitSec = e.waitSec;
  if (e.talkSec !== undefined) out.talkSec = e.talkSec;
  if (e.wrapUpSec !== undefined) out.wrapUpSec = e.wrapUpSec;
  if (e.outcome !== undefined) out.outcome = e.outcome;
  return out as unknown as AcdEvent;
}

export function toAgentStateEvent(s: StoredAgentState): AgentStateEvent {
  return { agentId: s.agentId, state: s.state as AgentStateEvent['state'], at: s.at, ...(s.reason ? { reason: s.reason } : {}) };
}

export function startHistoryCapture(deps: {
  spool: Spool<HistoryEntry>;
  history: CallHistory;
  bus: EventBus;
  logger: CaptureLogger;
  /** Prefix of event ids (unique per process start); with a sequence number it orders ties. */
  bootId: string;
  batchSize?: number;
  /** An entry the database refuses for its content (SQLSTATE class 22/23/42): kept aside, never retried forever. */
  onRejected?: (entry: HistoryEntry, err: unknown) => void;
}): HistoryCapture {
  const { spool, history, bus, logger } = deps;
  let seq = 0;
  const nextId = () => `${deps.bootId}-${String(++seq).padStart(10, '0')}`;
  const lost = (what: string) => (err: unknown) => logger.error({ err, what }, 'could not spool history entry');
  const offs = [
    bus.on('queue.event', (p) => {
      const e = toStoredQueueEvent(nextId(), p);
      if (!e) { logger.warn({ event: p }, 'malformed queue event not stored'); return; }
      spool.append([{ k: 'queue', e }]).catch(lost('queue.event'));
    }),
    bus.on('agent.state', (p) => {
      const at = Date.parse(p.at);
      if (Number.isNaN(at)) { logger.warn({ event: p }, 'malformed agent state not stored'); return; }
      spool.append([{ k: 'agent', s: { id: nextId(), agentId: p.agentId, state: p.state, at, ...(p.reason ? { reason: p.reason } : {}) } }]).catch(lost('agent.state'));
    }),
  ];
  async function write(batch: HistoryEntry[]): Promise<void> {
      const records: CallRecord[] = [];
      const events: StoredQueueEvent[] = [];
      const states: StoredAgentState[] = [];
      const links: { recordId: string; hubspotCallId: string }[] = [];
      for (const x of batch) {
        if (x.k === 'record') records.push(x.r);
        else if (x.k === 'queue') events.push(x.e);
        else if (x.k === 'agent') states.push(x.s);
        else if (x.k === 'hubspot') links.push({ recordId: x.recordId, hubspotCallId: x.hubspotCallId });
      }
      await history.saveRecords(records);
      await history.saveQueueEvents(events);
      await history.saveAgentStates(states);
      await history.saveHubspotEngagements(links);
  }
  spool.drain({
    batchSize: deps.batchSize ?? 1000,
    async deliver(batch) {
      try {
        await write(batch);
      } catch (err) {
        if (!isPermanent(err)) throw err; // database down or busy: the spool retries the batch
        // A data error refuses one entry, not the database: find it, keep it aside, go on.
        for (const x of batch) {
          try { await write([x]); } catch (e) {
            if (!isPermanent(e)) throw e;
            deps.onRejected?.(x, e);
            logger.error({ err: e, entry: x.k }, 'history entry refused by the database; kept in the rejected file');
          }
        }
      }
    },
    onError: (err, attempt, size) => {
      if (attempt === 1 || attempt % 20 === 0) logger.warn({ err: (err as Error).message ?? String(err), attempt, entries: size }, 'history not written (database unavailable?); kept in the spool, retrying');
    },
    onCorrupt: (line) => logger.error({ line: line.slice(0, 200) }, 'corrupt spool entry skipped'),
  });
  return {
    record: (r) => spool.append([{ k: 'record', r }]),
    hubspotLogged(recordId, hubspotCallId) { spool.append([{ k: 'hubspot', recordId, hubspotCallId }]).catch(lost('hubspot')); },
    flushed: () => spool.flushed(),
    stop() { for (const off of offs) off(); },
  };
}

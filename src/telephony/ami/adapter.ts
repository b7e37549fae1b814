// The PbxManager port over AMI: one long-lived manager session (createAmiClient: reconnects
// forever with backoff), its events translated to domain events, a resync after every
// (re)connection (`Status` for the live conversations, `QueueStatus` for FreePBX's queues), and
// the operations as AMI actions with typed errors (AmiTimeoutError, AmiActionError with
// AMI_PERMISSION_DENIED when the manager user lacks the write class). The only code that
// speaks AMI, with src/telephony/ami/{client,protocol,translate}.ts.
import type { Logger } from '../../logger.ts';
import type { PbxEvent, PbxManager } from '../pbx-port.ts';
import { createAmiClient, type AmiClient } from './client.ts';
import { liveChannels, queueSnapshots, translateAmi } from './translate.ts';

export interface AmiPbxOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  actionTimeoutMs: number;
  logger: Logger;
  backoff?: { initialMs?: number; maxMs?: number };
  pingIntervalMs?: number;
  /** Wait this long for the first login before resolving (it keeps trying in the background). */
  waitForConnectionMs?: number;
  now?: () => number;
}

export type AmiPbx = PbxManager & { client: AmiClient };

export async function createAmiPbx(o: AmiPbxOptions): Promise<AmiPbx> {
  const log = o.logger.child({ component: 'ami' });
  const now = o.now ?? Date.now;
  const client = createAmiClient({
    host: o.host, port: o.port, username: o.username, secret: o.secret, actionTimeoutMs: o.actionTimeoutMs, logger: o.logger,
    events: 'call,agent', ...(o.backoff ? { backoff: o.backoff } : {}), ...(o.pingIntervalMs !== undefined ? { pingIntervalMs: o.pingIntervalMs } : {}),
  });
  const handlers = new Set<(e: PbxEvent) => void>();
  const counters = { events: 0, rejected: 0, resyncs: 0 };
  let disconnectedAt: string | undefined;
  let resyncing: Promise<void> | undefined;

  const emit = (e: PbxEvent) => {
    for (const h of handlers) {
      try { h(e); } catch (err) { log.error({ err, event: e.kind }, 'PBX event handler threw'); }
    }
  };

  client.onEvent((m) => {
    const t = translateAmi(m, now());
    if ('rejected' in t) {
      counters.rejected++;
      log.warn({ reason: t.rejected, event: m }, 'AMI event rejected');
      return;
    }
    for (const e of t.events) {
      counters.events++;
      emit(e);
    }
  });

  async function resync(): Promise<void> {
    const at = new Date(now()).toISOString();
    try {
      const [status, queues] = await Promise.all([client.list('Status', {}), client.list('QueueStatus', {}).catch((err: unknown) => {
        log.warn({ err }, 'QueueStatus failed at resync (app_queue not loaded?)');
        return { response: {}, events: [] };
      })]);
      const live = liveChannels(status.events, now());
      counters.resyncs++;
      emit({ kind: 'resync', at, live, queues: queueSnapshots(queues.events, now()), ...(disconnectedAt ? { disconnectedAt } : {}) });
      disconnectedAt = undefined;
    } catch (err) {
      log.warn({ err }, 'AMI resync failed; it runs again on the next connection');
    }
  }

  client.onConnection((e) => {
    const at = new Date(now()).toISOString();
    if (e.state === 'disconnected') disconnectedAt ??= at;
    if (e.state === 'reconnecting') disconnectedAt ??= at;
    emit({ kind: 'connection', at, state: e.state, ...(e.attempt !== undefined ? { attempt: e.attempt } : {}) });
    if (e.state === 'connected') resyncing = resync().finally(() => { resyncing = undefined; });
  });

  await client.start(o.waitForConnectionMs ?? 5_000);
  if (!client.status().connected) log.warn({ host: o.host, port: o.port, err: client.status().lastError }, 'AMI not reachable yet; retrying in the background');

  const pbx: AmiPbx = {
    client,
    onEvent(h) { handlers.add(h); return () => handlers.delete(h); },
    connected: () => client.status().connected,
    readiness: () => ({
      name: 'ami',
      check: () => {
        const s = client.status();
        return { ok: s.connected, detail: { state: s.state, attempts: s.attempts, reconnects: s.reconnects, ...(s.lastError ? { lastError: s.lastError } : {}) } };
      },
    }),
    async originate(r) {
      await client.action('Originate', {
        Channel: r.endpoint, Context: r.context, Exten: r.exten, Priority: 1, ...(r.callerId ? { CallerID: r.callerId } : {}),
        Timeout: r.timeoutSec * 1000, Async: 'true', ChannelId: r.channelId,
        Variable: Object.entries(r.variables ?? {}).map(([k, v]) => `${k}=${v}`),
      });
    },
    async resync() { if (resyncing) await resyncing; else if (client.status().connected) await resync(); },
    async hangup(channel, cause = 16) { await client.action('Hangup', { Channel: channel, Cause: cause }); },
    async startRecording(channel, file) { await client.action('MixMonitor', { Channel: channel, File: file, Options: 'b' }); },
    async stopRecording(channel) { await client.action('StopMixMonitor', { Channel: channel }); },
    async queuePause(iface, paused, p = {}) {
      await client.action('QueuePause', { Interface: iface, Paused: paused ? 'true' : 'false', ...(p.queue ? { Queue: p.queue } : {}), ...(p.reason ? { Reason: p.reason } : {}) });
    },
    async queueAdd(queue, iface, p = {}) {
      await client.action('QueueAdd', { Queue: queue, Interface: iface, ...(p.memberName ? { MemberName: p.memberName } : {}), Penalty: p.penalty ?? 0, Paused: p.paused ? 'true' : 'false' });
    },
    async queueRemove(queue, iface) { await client.action('QueueRemove', { Queue: queue, Interface: iface }); },
    async queues() { return queueSnapshots((await client.list('QueueStatus', {})).events, now()); },
    stats: () => ({ ...counters }),
    async close() {
      await resyncing?.catch(() => undefined);
      await client.close();
    },
  };
  return pbx;
}

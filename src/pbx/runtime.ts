// Wires the PBX-wide features (src/pbx) for main.ts: the call log that turns every PBX call
// into a CallRecord, the FreePBX queue board, the operations and their HTTP routes.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { CallRecordSink } from '../calls/records.ts';
import type { PbxManager } from '../telephony/pbx-port.ts';
import { callingCodeOf, normalizeE164 } from '../domain/phone.ts';
import { endpointOf } from '../domain/pbx-call.ts';
import { createPbxCallLog, type PbxCallLog } from './call-log.ts';
import { createPbxQueueBoard, type PbxQueueBoard } from './queues.ts';
import { createPbxOperations, type PbxOperations } from './operations.ts';
import { registerPbxRoutes } from './http.ts';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The call log's snapshot of open conversations: one small file, replaced atomically. */
function snapshotFile(file: string) {
  return {
    load: () => (existsSync(file) ? readFileSync(file, 'utf8') : undefined),
    save(json: string) { mkdirSync(dirname(file), { recursive: true }); writeFileSync(`${file}.tmp`, json); renameSync(`${file}.tmp`, file); },
  };
}

/** Campaign attempts (`cmp-…`, src/domain/campaign.ts) are originated by the app: the dialler accounts for them. */
export const OWN_CHANNEL_PREFIXES = ['cmp-'];

export interface PbxFeatures {
  calls: PbxCallLog;
  board: PbxQueueBoard;
  ops: PbxOperations;
  pbx: PbxManager;
  stop(): void;
}

export function startPbxFeatures(d: {
  config: Config; pbx: PbxManager; records: CallRecordSink; bus: EventBus; http: FastifyInstance; logger: Logger;
  agents: () => { id: string; name?: string; endpoint: string }[];
  now?: () => number;
}): PbxFeatures {
  const now = d.now ?? Date.now;
  const country = d.config.defaultCountry;
  const agentByEndpoint = () => new Map(d.agents().map((a) => [a.endpoint, a]));
  const calls = createPbxCallLog({
    pbx: d.pbx, records: d.records, logger: d.logger, stasisApp: d.config.ari.app, inboundContexts: d.config.pbx.inboundContexts,
    ownChannelPrefixes: OWN_CHANNEL_PREFIXES,
    persist: snapshotFile(resolve(d.config.dataDir, 'pbx-calls.json')),
    agentFor: (ep) => { const a = agentByEndpoint().get(ep); return a ? { id: a.id, ...(a.name ? { name: a.name } : {}) } : undefined; },
    normalize: (n) => { const r = normalizeE164(n, country); return r.ok ? r.e164 : n; },
  });
  const board = createPbxQueueBoard({ pbx: d.pbx, bus: d.bus });
  const ops = createPbxOperations({
    pbx: d.pbx, calls, now, dial: d.config.dial,
    policy: { context: d.config.pbx.originateContext, allowedPrefixes: d.config.pbx.dialAllowedPrefixes ?? [`+${callingCodeOf(country)}`], defaultCountry: country, endpointTemplate: 'PJSIP/{n}', ringTimeoutSec: 30 },
  });
  registerPbxRoutes(d.http, {
    board, ops, now,
    agentOfInterface: (iface) => agentByEndpoint().get(iface)?.id,
    extensionOf: (agentId) => { const a = d.agents().find((x) => x.id === agentId); const ep = a ? endpointOf(`${a.endpoint}-00000000`) : undefined; return ep?.startsWith('PJSIP/') ? ep.slice(6) : undefined; },
  });
  return { calls, board, ops, pbx: d.pbx, stop: () => { calls.stop(); board.stop(); } };
}

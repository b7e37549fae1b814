// Issue 13, fix 1: the `dial` node connects the caller to the far end. Through the composition
// root (`npm start` wiring: embedded simulated PBX, flows/ as shipped), a caller chooses the
// operator in the main menu; PJSIP/1000 answers, the caller is bridged with that leg (not sent
// back to the dialplan), hears ringback while it rings, and the flow goes on when the operator
// hangs up. Before the fix the leg's StasisStart was rejected ("no handler registered for role
// dial-leg") and the caller heard goodbye.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../../src/main.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import type { TranscriptEntry } from '../../../src/sim/index.ts';
import { waitFor } from '../../helpers/wait.ts';

const OPEN = Date.parse('2026-03-02T15:00:00Z'); // Monday 10:00 in Bogotá: the office is open

describe('dial node through the composition root (simulated PBX)', () => {
  let app: RunningApp;
  const records: CallRecord[] = [];

  beforeAll(async () => {
    const redisUrl = `${inject('redisUrl')}/12`;
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-dial-'));
    const config = loadConfig({ REDIS_URL: redisUrl, HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: '1000', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results') });
    const t0 = Date.now();
    app = await startCentralita(config, createLogger({ level: 'silent' }), { now: () => OPEN + (Date.now() - t0) });
    app.bus.on('call.record', (r) => records.push(r));
  }, 60_000);

  afterAll(async () => { await app?.stop(); });

  it('operator (0): PJSIP/1000 answers, the caller is bridged with it, then the flow ends with goodbye', async () => {
    const sim = app.sim!;
    const headers = { authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}`, 'content-type': 'application/json' };
    const put = await fetch(`${sim.url}/_sim/endpoints/PJSIP/1000`, { method: 'PUT', headers, body: JSON.stringify({ behavior: 'answer', afterMs: 1500, hangupAfterMs: 1500 }) });
    expect(put.status).toBe(204);
    const placed = (await (await fetch(`${sim.url}/_sim/calls`, { method: 'POST', headers, body: JSON.stringify({ from: '3001234567', to: '6015550100' }) })).json()) as { channelId: string };
    const ch = placed.channelId;
    const transcript = async () => ((await (await fetch(`${sim.url}/_sim/channels/${ch}`, { headers })).json()) as { transcript: TranscriptEntry[] }).transcript;
    const dtmf = (digits: string) => fetch(`${sim.url}/_sim/channels/${ch}/dtmf`, { method: 'POST', headers, body: JSON.stringify({ digits }) });
    const playing = async (media: string) => (await transcript()).some((e) => e.kind === 'prompt' && e.media === media);

    await waitFor(() => playing('sound:welcome'), 10_000, 'welcome');
    await dtmf('1'); // barge-in
    await waitFor(() => playing('sound:choose-language'), 10_000, 'language menu');
    await dtmf('1'); // Spanish
    await waitFor(() => playing('sound:main-menu'), 10_000, 'main menu');
    await dtmf('0'); // operator → dial PJSIP/1000

    const bridged = await waitFor(async () => (await transcript()).find((e): e is Extract<TranscriptEntry, { kind: 'bridged' }> => e.kind === 'bridged' && e.with.length > 0), 15_000, 'caller bridged with the operator');
    expect(bridged.with.some((id) => id.startsWith('dial-'))).toBe(true);
    const rec = await waitFor(() => records.find((r) => r.id === `cr-${ch}`), 20_000, 'the call record');
    const t = await transcript();
    // Ringback while the operator's phone rang, the goodbye after the conversation.
    expect(t.some((e) => e.kind === 'prompt' && e.media === 'tone:ring')).toBe(true);
    expect(t.findIndex((e) => e.kind === 'prompt' && e.media === 'sound:goodbye')).toBeGreaterThan(t.indexOf(bridged));
    expect(rec.path.filter((s) => s.node === 'operator').map((s) => s.outcome ?? '')).toEqual(['', 'answered']);
    expect(rec.disposition).toBe('answered');
    expect(app.calls.rejected()).toEqual([]);
  }, 60_000);
});

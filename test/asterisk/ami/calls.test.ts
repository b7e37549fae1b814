// Every call on the PBX, not only the ones in Stasis — on the simulator's AMI always (CI) and on
// the real Asterisk lab when TEST_ASTERISK_ARI_URL is set: a desk-phone-to-desk-phone call, a
// call answered through an app_queue queue, an outbound call and a click-to-call each give
// exactly one CallRecord with the right direction, parties, queue/agent and times; a call
// through Stasis gives one record, not two; a PBX restart with calls up loses none.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../../src/main.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { waitFor } from '../../helpers/wait.ts';
import { driverFor, type AmiDriver } from './driver.ts';
import { labAmiSettings } from './settings.ts';

const lab = labAmiSettings();
const only = process.env.TEST_ASTERISK_TARGETS?.split(',').map((t) => t.trim());
const targets = (['sim', 'lab'] as const).filter((t) => (t === 'lab' ? !!lab : true) && (!only || only.includes(t)));
if (!lab) process.stdout.write('test/asterisk/ami: real Asterisk SKIPPED (TEST_ASTERISK_ARI_URL not set); the AMI scenarios run against the simulator only\n');

const DB: Record<string, number> = { sim: 13, lab: 14 };

describe.each(targets)('every call on the PBX over AMI (%s)', (target) => {
  let d: AmiDriver;
  let app: RunningApp;
  const records: CallRecord[] = [];
  const since = (n: number) => records.slice(n);
  let H: Record<string, string> = {};
  const only1 = async (n: number, pred: (r: CallRecord) => boolean, what: string): Promise<CallRecord> => {
    const r = await waitFor(() => since(n).find(pred), 40_000 * d.slow, what);
    await d.settle();
    // Nothing else arrives for the same conversation (a second record would be a duplicate).
    await new Promise((res) => setTimeout(res, 1500));
    expect(records.filter((x) => x.linkedId === r.linkedId)).toHaveLength(1);
    return r;
  };

  beforeAll(async () => {
    d = await driverFor(target, lab);
    await d.start();
    const redisUrl = `${inject('redisUrl')}/${DB[target]}`;
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
    const dataDir = mkdtempSync(join(tmpdir(), `centralita-ami-${target}-`));
    const config = loadConfig({
      ...d.env(), REDIS_URL: redisUrl, HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_ASTERISK_LOG ?? 'silent', SHUTDOWN_DEADLINE_MS: '1000',
      CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'), PBX_DIAL_ALLOWED_PREFIXES: '+57',
    });
    app = await startCentralita(config, createLogger({ level: config.logLevel, secrets: config.secrets }));
    app.bus.on('call.record', (r) => records.push(r));
    H = { authorization: `Bearer ${app.token}`, 'content-type': 'application/json' };
    await waitFor(async () => ((await fetch(`${app.httpUrl}/readyz`)).status === 200 ? true : undefined), 20_000, 'the app ready (ARI and AMI)');
  }, 120_000);

  afterAll(async () => {
    // TEST_ASTERISK_AMI_DUMP=<file>: the records of the run, for the closing notes.
    if (process.env.TEST_ASTERISK_AMI_DUMP) writeFileSync(process.env.TEST_ASTERISK_AMI_DUMP.replace('{target}', target), JSON.stringify(records, null, 1));
    await app?.stop();
    await d?.close();
  }, 60_000);

  it('a desk phone calling another gives one internal record with both extensions and the talk time', async () => {
    const n = records.length;
    await d.deskCall({ answerAfterMs: 1000, talkMs: 3000 });
    const r = await only1(n, (x) => x.source === 'pbx' && x.direction === 'internal', 'the desk-to-desk record');
    expect(r).toMatchObject({ direction: 'internal', from: d.ext.caller, to: d.ext.callee, disposition: 'answered', hangupSide: 'agent', hangupCause: 16 });
    expect(r.agent?.endpoint).toBe(`PJSIP/${d.ext.caller}`);
    expect(r.waitSeconds).toBeGreaterThanOrEqual(1);
    expect(r.waitSeconds).toBeLessThanOrEqual(2);
    expect(r.talkSeconds).toBeGreaterThanOrEqual(2);
    expect(r.talkSeconds).toBeLessThanOrEqual(4);
    expect(Date.parse(r.endedAt) - Date.parse(r.startedAt)).toBeGreaterThanOrEqual(3500);
  });

  it('a call through the FreePBX queue answered by an agent gives one inbound record with queue, agent, wait and recording', async () => {
    const n = records.length;
    await d.queueCall({ from: '3001234567', answerAfterMs: 1500, talkMs: 3000 });
    const r = await only1(n, (x) => x.source === 'pbx' && x.queue?.id === '400', 'the queue call record');
    expect(r).toMatchObject({ direction: 'inbound', from: '+573001234567', to: '+576015550400', disposition: 'answered', queue: { id: '400', outcome: 'answered' }, agent: { endpoint: `PJSIP/${d.ext.agent}` } });
    expect(r.queue!.waitSeconds).toBeGreaterThanOrEqual(1);
    expect(r.queue!.waitSeconds).toBeLessThanOrEqual(3);
    expect(r.talkSeconds).toBeGreaterThanOrEqual(2);
    expect(r.hangupSide).toBe('agent');
    if (target === 'lab') expect(r.recording?.name).toMatch(/^q400-.*\.wav$/);
  });

  it('a desk phone dialling out gives one outbound record to the customer', async () => {
    const n = records.length;
    await d.outboundCall({ number: '3005550123', talkMs: 3000 });
    const r = await only1(n, (x) => x.source === 'pbx' && x.direction === 'outbound', 'the outbound record');
    expect(r).toMatchObject({ direction: 'outbound', from: d.ext.caller, to: '+573005550123', disposition: 'answered', agent: { endpoint: `PJSIP/${d.ext.caller}` } });
    expect(r.talkSeconds).toBeGreaterThanOrEqual(2);
  });

  it('a call that went through Stasis gives one record (the call session\'s), not two', async () => {
    const n = records.length;
    await d.stasisCall({ from: '3001234569', talkMs: 6000 });
    const r = await waitFor(() => since(n).find((x) => x.from === '+573001234569'), 40_000 * d.slow, 'the Stasis record');
    await d.settle();
    await new Promise((res) => setTimeout(res, 3000));
    expect(r.source).toBeUndefined();
    expect(records.filter((x) => x.from === '+573001234569')).toHaveLength(1);
    expect(app.pbx!.calls.stats().skippedStasis).toBeGreaterThanOrEqual(1);
  });

  it('click-to-call rings the agent\'s desk phone, then the customer: one outbound record; numbers outside the allow-list are refused', async () => {
    const anonymous = await fetch(`${app.httpUrl}/api/pbx/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extension: d.ext.caller, number: '3005550199' }) });
    expect(anonymous.status).toBe(401);
    // An agent rings only their own desk phone.
    const agent = await app.auth.issueToken({ name: 'ami-agent', roles: ['agent'], agentId: 'someone-else', createdBy: 'test' });
    const notYours = await fetch(`${app.httpUrl}/api/pbx/calls`, { method: 'POST', headers: { ...H, authorization: `Bearer ${agent.raw}` }, body: JSON.stringify({ extension: d.ext.caller, number: '3005550199' }) });
    expect(notYours.status).toBe(403);
    const refused = await fetch(`${app.httpUrl}/api/pbx/calls`, { method: 'POST', headers: H, body: JSON.stringify({ extension: d.ext.caller, number: '+442079460000' }) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toBe('PBX_NUMBER_NOT_ALLOWED');
    await d.armClickToCall({ talkMs: 3000 });
    const n = records.length;
    const res = await fetch(`${app.httpUrl}/api/pbx/calls`, { method: 'POST', headers: H, body: JSON.stringify({ extension: d.ext.caller, number: '300 555 0199' }) });
    expect(res.status).toBe(202);
    const { channelId } = (await res.json()) as { channelId: string };
    const r = await only1(n, (x) => x.linkedId === channelId, 'the click-to-call record');
    expect(r).toMatchObject({ direction: 'outbound', from: d.ext.caller, to: '+573005550199', disposition: 'answered', agent: { endpoint: `PJSIP/${d.ext.caller}` } });
  });

  it('FreePBX queue 400 is on /api/pbx-queues (source freepbx) and a member can be paused with a reason', async () => {
    const get = async () => (await (await fetch(`${app.httpUrl}/api/pbx-queues`, { headers: H })).json()) as { source: string; queues: { queue: string; members: { interface: string; paused: boolean; pausedReason: string }[] }[] };
    const v = await get();
    expect(v.source).toBe('freepbx');
    const q = v.queues.find((x) => x.queue === '400');
    expect(q?.members.map((m) => m.interface)).toContain(`PJSIP/${d.ext.agent}`);
    const iface = encodeURIComponent(`PJSIP/${d.ext.agent}`);
    const p = await fetch(`${app.httpUrl}/api/pbx-queues/400/members/${iface}/pause`, { method: 'POST', headers: H, body: JSON.stringify({ reason: 'lunch' }) });
    expect(p.status).toBe(200);
    await waitFor(async () => (await get()).queues.find((x) => x.queue === '400')?.members.find((m) => m.interface === `PJSIP/${d.ext.agent}` && m.paused && m.pausedReason === 'lunch'), 10_000, 'the member paused');
    const u = await fetch(`${app.httpUrl}/api/pbx-queues/400/members/${iface}/unpause`, { method: 'POST', headers: H, body: '{}' });
    expect(u.status).toBe(200);
    await waitFor(async () => (await get()).queues.find((x) => x.queue === '400')?.members.find((m) => m.interface === `PJSIP/${d.ext.agent}` && !m.paused), 10_000, 'the member unpaused');
  });

  it('a PBX restart while calls are up loses no record: each call ends with exactly one', async () => {
    const n = records.length;
    await d.deskCall({ answerAfterMs: 500, talkMs: 60_000 });
    await d.queueCall({ from: '3001234570', answerAfterMs: 500, talkMs: 60_000 });
    await waitFor(() => (app.pbx!.calls.open() >= 2 ? true : undefined), 20_000 * d.slow, 'both calls up');
    await new Promise((res) => setTimeout(res, 2500 * d.slow));
    await d.restart();
    const desk = await waitFor(() => since(n).find((x) => x.direction === 'internal'), 60_000 * d.slow, 'the desk call record after the restart');
    const queued = await waitFor(() => since(n).find((x) => x.queue?.id === '400'), 60_000 * d.slow, 'the queue call record after the restart');
    await d.settle();
    await new Promise((res) => setTimeout(res, 2000));
    for (const r of [desk, queued]) {
      expect(records.filter((x) => x.linkedId === r.linkedId)).toHaveLength(1);
      expect(r.disposition).toBe('answered');
      expect(r.talkSeconds).toBeGreaterThanOrEqual(1);
    }
    // The app is back on the restarted PBX: a new call is recorded as usual.
    await waitFor(async () => ((await fetch(`${app.httpUrl}/readyz`)).status === 200 ? true : undefined), 60_000, 'ready again');
    const m = records.length;
    await d.deskCall({ answerAfterMs: 500, talkMs: 2000 });
    await only1(m, (x) => x.direction === 'internal', 'a record after the restart');
  });
});

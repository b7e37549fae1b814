// Replay from the dead-letter queue after the cause is fixed, and the `hubspot log` command
// end to end (real CLI process, fake HubSpot, and the outbox when no token is set).
import { afterEach, expect, it, inject } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { harness, type Harness } from './harness.ts';
import { callRecord } from '../../unit/hubspot/records.ts';
import { replayDeadLetters } from '../../../src/integrations/hubspot/replay.ts';
import { QUEUES } from '../../../src/jobs/names.ts';

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

const CLI = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));

// Asynchronous on purpose: the fake HubSpot lives in this process and must keep answering.
function cli(args: string[], env: Record<string, string | undefined>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

it('replay --dlq re-posts a dead-lettered record; once the cause is fixed it is logged exactly once', async () => {
  const owners = ['111'];
  h = await harness(inject('redisUrl'), { owners: { 'agent-9': '222' } }, { owners });
  const bad = callRecord({ agent: { id: 'agent-9' } });
  await h.add(bad);
  const w = h.startWorker();
  await h.waitFor((c) => c.failed === 1);
  expect(await w.dlq.count()).toBe(1);
  owners.push('222'); // ops add the missing owner in HubSpot
  const dlq = new Queue(QUEUES.hubspotDlq, { connection: h.redis, prefix: h.bullPrefix });
  const r = await replayDeadLetters(h.queue, dlq);
  await dlq.close();
  expect(r).toMatchObject({ reposted: 1, ids: [bad.id] });
  await h.waitFor((c) => c.completed === 1 && c.failed === 0);
  expect(h.fake.callsByMarker().get(bad.id)).toHaveLength(1);
  expect(await w.dlq.count()).toBe(0);
});

it('`centralita hubspot log` logs a record once, recognises it the second time, and writes the outbox without a token', async () => {
  h = await harness(inject('redisUrl'));
  const contact = h.fake.addContact({ phone: '+57 300 123 4567' });
  const dir = mkdtempSync(join(tmpdir(), 'hs-cli-'));
  const rec = callRecord();
  const file = join(dir, 'record.json');
  writeFileSync(file, JSON.stringify(rec));
  const env = { ...process.env, HUBSPOT_TOKEN: 'test-token', HUBSPOT_BASE_URL: h.fake.url, REDIS_URL: inject('redisUrl'), DATA_DIR: dir, LOG_LEVEL: 'silent' };
  const run = (e: Record<string, string | undefined>) => cli(['hubspot', 'log', file], e);
  const first = await run(env);
  expect(first.status, first.stderr + first.stdout).toBe(0);
  expect(first.stdout).toContain('"kind":"logged"');
  expect(first.stdout).toContain(`"contactId":"${contact}"`);
  const second = await run(env);
  expect(second.status, second.stderr).toBe(0);
  expect(second.stdout).toContain('"kind":"duplicate"');
  expect(h.fake.callsByMarker().get(rec.id)).toHaveLength(1);
  // Second delivery made no request at all: the ledger knew.
  expect(h.fake.count('/crm/v3/objects/calls/batch/create')).toBe(1);

  const noToken = await run({ ...env, HUBSPOT_TOKEN: undefined, REDIS_URL: undefined });
  expect(noToken.status, noToken.stderr).toBe(0);
  const lines = readFileSync(join(dir, 'hubspot-outbox.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; body: { inputs?: { properties: Record<string, string> }[] } });
  expect(lines.map((l) => l.path)).toEqual(['/crm/v3/objects/contacts/search', '/crm/v3/objects/calls/batch/create']);
  expect(lines[1]!.body.inputs![0]!.properties.centralita_record_id).toBe(rec.id);

  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ id: 'x', direction: 'up' }));
  const refused = await cli(['hubspot', 'log', bad], env);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('HUBSPOT_BAD_RECORD');
  await h.redis.hdel('centralita:hubspot:ledger', rec.id); // the CLI uses the production key prefix
}, 120_000); // four CLI processes, each loading the SDK: slow on a busy machine

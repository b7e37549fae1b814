// The `hubspot` commands as a user runs them (real CLI processes, fake HubSpot in this process):
// `hubspot log` is safe to repeat without Redis and keeps unmatched calls for `reconcile`, which
// associates them and rewrites their bodies; `hubspot setup` checks a portal and creates the
// record-id property.
import { afterEach, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeHubspot, type FakeHubspot } from '../../fakes/hubspot-server.ts';
import { callRecord } from '../../unit/hubspot/records.ts';

let fake: FakeHubspot | undefined;
afterEach(async () => { await fake?.close(); fake = undefined; });

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
const baseEnv = (dir: string) => ({ ...process.env, REDIS_URL: undefined, HUBSPOT_TOKEN: undefined, DATA_DIR: dir, LOG_LEVEL: 'silent' });

it('`hubspot log` without Redis or token: repeating it writes the outbox once (the ledger is kept in DATA_DIR)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-cli-'));
  const file = join(dir, 'record.json');
  const rec = callRecord();
  writeFileSync(file, JSON.stringify(rec));
  const first = await cli(['hubspot', 'log', file], baseEnv(dir));
  expect(first.status, first.stderr).toBe(0);
  expect(first.stdout).toContain('"kind":"logged"');
  const second = await cli(['hubspot', 'log', file], baseEnv(dir));
  expect(second.status, second.stderr).toBe(0);
  expect(second.stdout).toContain('"kind":"duplicate"');
  const outbox = readFileSync(join(dir, 'hubspot-outbox.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string });
  expect(outbox.filter((l) => l.path === '/crm/v3/objects/calls/batch/create')).toHaveLength(1);
}, 60_000);

it('`hubspot log` keeps an unmatched call for reconciliation; `reconcile` associates it and rewrites its body', async () => {
  fake = await startFakeHubspot();
  const dir = mkdtempSync(join(tmpdir(), 'hs-cli-'));
  const file = join(dir, 'record.json');
  const rec = callRecord({ from: '+573209876543' });
  writeFileSync(file, JSON.stringify(rec));
  const env = { ...baseEnv(dir), HUBSPOT_TOKEN: 'test-token', HUBSPOT_BASE_URL: fake.url };
  const logged = await cli(['hubspot', 'log', file], env);
  expect(logged.status, logged.stderr + logged.stdout).toBe(0);
  const callId = [...fake.calls.keys()][0]!;
  expect(fake.calls.get(callId)!.properties.hs_call_body).toContain('Ningún contacto de HubSpot tiene el número +57 320 9876543');
  const listed = await cli(['hubspot', 'unassociated'], env);
  expect(listed.stdout).toContain(`"callId":"${callId}"`);

  const contact = fake.addContact({ phone: '320 987 6543', firstname: 'Marta', lastname: 'Ruiz' });
  const reconciled = await cli(['hubspot', 'reconcile'], env);
  expect(reconciled.status, reconciled.stderr).toBe(0);
  expect(reconciled.stdout).toContain('"associated":1');
  expect(fake.associations).toEqual([expect.objectContaining({ fromCall: callId, toContact: contact, typeId: 194 })]);
  const props = fake.calls.get(callId)!.properties;
  expect(props.hs_call_title).toContain('Llamada entrante de Marta Ruiz');
  expect(props.hs_call_body).not.toContain('Ningún contacto');
  expect((await cli(['hubspot', 'unassociated'], env)).stdout.trim()).toBe('');
}, 90_000);

it('`hubspot setup` creates the record-id property, lists outcomes (custom ones too) and says what is missing', async () => {
  fake = await startFakeHubspot({
    customCallProperties: [],
    outcomes: [['f240bbac-87c9-4f6e-bf70-924b57d47db7', 'Connected'], ['73a0d17f-1163-4015-bdd5-ec830791da20', 'No answer'], ['9d9162e7-6cf3-4944-bf63-4dff82258764', 'Busy'], ['0d4a8d4f-8d7e-4f6e-9a3c-2b1c0e9f7a11', 'Promesa de pago']],
    callStatuses: [['BUSY', 'Busy'], ['COMPLETED', 'Completed'], ['FAILED', 'Failed'], ['NO_ANSWER', 'No answer']],
    scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.write'],
  });
  const dir = mkdtempSync(join(tmpdir(), 'hs-cli-'));
  const env = { ...baseEnv(dir), HUBSPOT_TOKEN: 'test-token', HUBSPOT_BASE_URL: fake.url };
  const check = await cli(['hubspot', 'setup', '--check'], env);
  expect(check.status).toBe(2);
  expect(check.stdout).toContain('MISSING: property centralita_record_id: missing on calls');
  expect(fake.callProperties.has('centralita_record_id')).toBe(false);

  const r = await cli(['hubspot', 'setup'], env);
  expect(r.stdout).toContain('property centralita_record_id: created (string/text, group callinformation)');
  expect(fake.callProperties.get('centralita_record_id')).toMatchObject({ type: 'string', fieldType: 'text', custom: true });
  expect(r.stdout).toContain('Promesa de pago (0d4a8d4f-8d7e-4f6e-9a3c-2b1c0e9f7a11)');
  expect(r.stdout).toContain('time zone America/Bogota');
  // This portal has no MISSED status: abandoned calls and voicemails would be refused.
  expect(r.stdout).toContain('MISSING: status for abandoned: MISSED is not one of hs_call_status');
  expect(r.stdout).toContain('MISSING: status for inbound-voicemail: MISSED');
  // The default outcome for an outbound voicemail ("Left voicemail") is not in this portal either.
  expect(r.stdout).toContain('MISSING: outcome for voicemail: b2cf5968-551e-4856-9783-52b3da59a7d0');
  expect(r.status).toBe(2);

  // Fixed in settings → ready (the property now exists; nothing is created twice).
  const yaml = join(dir, 'hubspot.yaml');
  writeFileSync(yaml, 'statuses: { abandoned: NO_ANSWER, inbound-voicemail: NO_ANSWER, voicemail: COMPLETED, answered: COMPLETED, busy: BUSY, no-answer: NO_ANSWER, failed: FAILED }\noutcomes: { answered: f240bbac-87c9-4f6e-bf70-924b57d47db7, busy: 9d9162e7-6cf3-4944-bf63-4dff82258764 }\n');
  expect(existsSync(yaml)).toBe(true);
  const ok = await cli(['hubspot', 'setup'], env);
  expect(ok.stdout, ok.stderr).toContain('ready: HubSpot has everything centralita needs');
  expect(ok.status).toBe(0);
}, 90_000);

it('`hubspot setup` reports scopes the token lacks, per operation', async () => {
  fake = await startFakeHubspot({ scopes: ['crm.objects.contacts.read'] });
  const dir = mkdtempSync(join(tmpdir(), 'hs-cli-'));
  const r = await cli(['hubspot', 'setup', '--check'], { ...baseEnv(dir), HUBSPOT_TOKEN: 'test-token', HUBSPOT_BASE_URL: fake.url });
  expect(r.stdout).toContain('MISSING: scope: the token needs crm.objects.contacts.write to log calls');
  expect(r.status).toBe(2);
}, 60_000);

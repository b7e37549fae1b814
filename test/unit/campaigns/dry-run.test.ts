import { describe, it, expect } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { dryRunCampaign } from '../../../src/campaigns/dry-run.ts';
import { finishWithinWindows, parseCampaignSettings } from '../../../src/domain/campaign.ts';

const fixture = readFileSync(new URL('../../fixtures/campaigns/clientes marzo.csv', import.meta.url));
const bog = (iso: string) => DateTime.fromISO(iso, { zone: 'America/Bogota' }).toMillis();

describe('campaign dry-run', () => {
  it('estimates the finish across window closures', () => {
    const s = parseCampaignSettings({ window: { start: '09:00', end: '10:00', days: [1, 2, 3, 4, 5] } });
    // 90 minutes of dialling from Friday 09:30: 30 min Friday, 60 min Monday.
    expect(finishWithinWindows(bog('2026-03-13T09:30'), 90 * 60, ['America/Bogota'], s)).toBe(bog('2026-03-16T10:00'));
    expect(finishWithinWindows(bog('2026-03-13T09:30'), 10 * 60, ['America/Bogota'], s)).toBe(bog('2026-03-13T09:40'));
  });

  it('summarises accepted, rejected by reason, first dial and duration without writing anything', async () => {
    const settings = parseCampaignSettings({ maxCallsPerSecond: 0.01, window: { start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5, 6] } });
    const r = await dryRunCampaign({ file: 'x.csv', source: [fixture], settings, catalog: { flowIds: ['campaign'] }, defaultCountry: 'CO', nowMs: bog('2026-03-14T22:00'), isDnc: (p) => p === '+573201112233' });
    expect(r).toMatchObject({ lines: 10, rows: 9, accepted: 3, rejected: 6, rejectedByReason: { 'do-not-call': 1, duplicate: 1, 'empty-row': 1 }, estimatedDurationSec: 300, byTimezone: { 'America/Bogota': 3 } });
    expect(r.firstDialAt).toBe(new Date(bog('2026-03-16T08:00')).toISOString());
    expect(r.estimatedFinishAt).toBe(new Date(bog('2026-03-16T08:05')).toISOString());
    expect(r.rejectedSample).toHaveLength(6);
  });

  it('refuses a campaign.json whose flowId is not in the registry, before anything is dialled', async () => {
    const settings = parseCampaignSettings({ flowId: 'campaing' });
    await expect(dryRunCampaign({ file: 'x.csv', source: [fixture], settings, catalog: { flowIds: ['campaign', 'main'] }, defaultCountry: 'CO', nowMs: bog('2026-03-10T10:00'), isDnc: () => false }))
      .rejects.toMatchObject({ code: 'CAMPAIGN_SETTINGS_INVALID', problems: [expect.stringMatching(/"campaing" is not a flow.*did you mean "campaign"/)] });
  });

  it('the command line checks flowId against a flows folder and exits 1 with the reason', () => {
    // A fixture registry (flow `demo`), not the shipped one: ops may add or rename flows.
    const dir = mkdtempSync(join(tmpdir(), 'dry-run-'));
    const file = join(dir, 'lista.csv');
    writeFileSync(file, 'celular,nombre\n3001234567,Ana\n');
    writeFileSync(join(dir, 'campaign.json'), JSON.stringify({ flowId: 'dmeo' }));
    const { REDIS_URL: _unset, ...rest } = process.env;
    const env = { ...rest, DEFAULT_COUNTRY: 'CO', SOUNDS_DIR: 'test/fixtures/flows/sounds' };
    const r = spawnSync(process.execPath, ['src/cli.ts', 'campaign', 'dry-run', file, '--flows', 'test/fixtures/flows/good'], { env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/flowId: "dmeo" is not a flow of the registry.*did you mean "demo"\? Known flows: demo/);
    expect(r.stdout).toBe('');
    writeFileSync(join(dir, 'campaign.json'), JSON.stringify({ flowId: 'demo' }));
    const ok = spawnSync(process.execPath, ['src/cli.ts', 'campaign', 'dry-run', file, '--flows', 'test/fixtures/flows/good'], { env, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ accepted: 1, flows: { from: 'test/fixtures/flows/good', ids: ['demo'] } });
  });

  it('runs from the command line and prints JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dry-run-'));
    const file = join(dir, 'lista con espacios.csv');
    writeFileSync(file, 'celular,nombre\n3001234567,Ana\n3001234567,Ana otra vez\n3.1E+9,Roto\n');
    const { REDIS_URL: _unset, ...rest } = process.env;
    const env = { ...rest, DEFAULT_COUNTRY: 'CO' };
    const out = execFileSync(process.execPath, ['src/cli.ts', 'campaign', 'dry-run', file, '--now', '2026-03-10T15:00:00Z'], { env, encoding: 'utf8' });
    const j = JSON.parse(out) as { accepted: number; rejectedByReason: Record<string, number>; settings: string };
    expect(j).toMatchObject({ accepted: 1, rejectedByReason: { duplicate: 1, 'spreadsheet-damage': 1 }, settings: '(defaults)' });
  });
});

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { DateTime } from 'luxon';
import { readCsv, detectDelimiter, detectEncoding } from '../../../src/campaigns/csv.ts';
import { ingestCampaignFile, createMemoryGate, type OriginateJobSpec } from '../../../src/campaigns/ingest.ts';
import { parseCampaignSettings } from '../../../src/domain/campaign.ts';

const fixture = readFileSync(new URL('../../fixtures/campaigns/clientes marzo.csv', import.meta.url));
const settings = parseCampaignSettings(JSON.parse(readFileSync(new URL('../../fixtures/campaigns/campaign.json', import.meta.url), 'utf8')));
const tuesday10 = DateTime.fromISO('2026-03-10T10:00', { zone: 'America/Bogota' }).toMillis();

async function collect(buf: Buffer, chunk = 7) {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  const out = [];
  for await (const it of readCsv(parts)) out.push(it);
  return out;
}

describe('CSV reading', () => {
  const text = 'Teléfono;Nombre\r\n300 123 4567;"Pérez; José"\r\n"3101112233";"dos\r\nlíneas"\r\n';
  it.each([
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ['UTF-8', Buffer.from(text)],
    ['Windows-1252', iconv.encode(text, 'win1252')],
    ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf16le')])],
    ['LF line ends', Buffer.from(text.replaceAll('\r\n', '\n'))],
  ])('reads %s the same, cut in small chunks', async (_name, buf) => {
    const items = await collect(buf);
    expect(items[0]).toMatchObject({ kind: 'header', headers: ['Teléfono', 'Nombre'], delimiter: ';' });
    expect(items.slice(1).map((i) => (i.kind === 'row' ? i.cells[1]!.replace(/\r?\n/, '|') : i.kind))).toEqual(['Pérez; José', 'dos|líneas']);
  });
  it('detects delimiters and encodings', () => {
    expect(detectDelimiter('phone,name;x\n')).toBe(',');
    expect(detectDelimiter('"a,b";c;d\n')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectEncoding(Buffer.from([0x61, 0xe9, 0x62]))).toBe('win1252');
    // A multi-byte character cut at the sample boundary is still UTF-8.
    expect(detectEncoding(Buffer.from('abcé').subarray(0, 4))).toBe('utf8');
  });
  it('reports an unterminated quote as a malformed row instead of failing the file', async () => {
    const items = await collect(Buffer.from('phone,name\n3001234567,ok\n"3001234568,broken\n'));
    expect(items.map((i) => i.kind)).toContain('malformed');
  });
});

describe('ingestCampaignFile', () => {
  async function run(buf: Buffer, dnc: string[] = [], now = tuesday10) {
    const jobs: OriginateJobSpec[] = [];
    const rejected: string[] = [];
    const summary = await ingestCampaignFile({
      campaignId: 'marzo', file: 'campaigns/marzo/clientes marzo.csv', fileId: 'f1', source: [buf], settings, defaultCountry: 'CO', nowMs: now,
      gate: createMemoryGate((p) => dnc.includes(p)), sink: { addBulk: async (j) => { jobs.push(...j); } }, rejected: (l) => { rejected.push(l); }, chunkSize: 3,
    });
    return { summary, jobs, rejected };
  }
  it('accepts, rejects with reasons and never drops a row silently', async () => {
    const { summary, jobs, rejected } = await run(fixture, ['+573201112233']);
    expect(summary).toMatchObject({ rows: 8, accepted: 3, rejected: 5, encoding: 'win1252', delimiter: ';' });
    expect(summary.accepted + summary.rejected).toBe(summary.rows);
    expect(summary.rejectedByReason).toEqual({ 'spreadsheet-damage': 1, duplicate: 1, 'invalid-number': 1, 'invalid-timezone': 1, 'do-not-call': 1 });
    expect(jobs.map((j) => j.data.phone)).toEqual(['+573001234567', '+576015551234', '+573155550000']);
    expect(jobs[0]).toMatchObject({ name: 'originate', opts: { jobId: 'marzo__f1-2__a1' }, data: { attempt: 1, name: 'José Pérez', contactId: '101', variables: { ciudad: 'Bogotá', deuda: '150000' } } });
    expect(jobs[2]!.data.variables.deuda).toBe('=1+1'); // kept as data for the flow; only the report neutralises
    expect(rejected[0]).toBe('row,reason,detail,Teléfono,Nombre,hubspot_contact_id,zona_horaria,Ciudad,Deuda\r\n');
    expect(rejected.find((l) => l.startsWith('5,duplicate'))).toContain("'+57 300-123-4567");
  });
  it('delays rows to the window opening instead of dialling them now', async () => {
    const sunday = DateTime.fromISO('2026-03-15T10:00', { zone: 'America/Bogota' }).toMillis();
    const { summary, jobs } = await run(fixture, [], sunday);
    const monday8 = DateTime.fromISO('2026-03-16T08:00', { zone: 'America/Bogota' }).toMillis();
    expect(jobs.every((j) => j.opts.delay === monday8 - sunday)).toBe(true);
    expect(summary.firstDialAt).toBe(new Date(monday8).toISOString());
    expect(summary.delayedToWindow).toBe(summary.accepted);
  });
  it('fails the file with a stable code when there is no phone column', async () => {
    await expect(run(Buffer.from('name,city\nAna,Cali\n'))).rejects.toMatchObject({ code: 'CAMPAIGN_NO_PHONE_COLUMN' });
  });
});

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { DateTime } from 'luxon';
import { ingestCampaignFile, createMemoryRowSink, type IngestRow } from '../../../src/campaigns/ingest.ts';
import { parseCampaignSettings, type CampaignSettingsInput } from '../../../src/domain/campaign.ts';

const fixture = readFileSync(new URL('../../fixtures/campaigns/clientes marzo.csv', import.meta.url));
const settings = parseCampaignSettings(JSON.parse(readFileSync(new URL('../../fixtures/campaigns/campaign.json', import.meta.url), 'utf8')));
const tuesday10 = DateTime.fromISO('2026-03-10T10:00', { zone: 'America/Bogota' }).toMillis();
const catalog = { flowIds: ['campaign', 'main'] };

async function run(buf: Buffer | string, o: { dnc?: string[]; now?: number; settings?: CampaignSettingsInput; chunk?: number; chunkSize?: number } = {}) {
  const jobs: IngestRow[] = [];
  const rejected: string[] = [];
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += o.chunk ?? 65_536) parts.push(bytes.subarray(i, i + (o.chunk ?? 65_536)));
  const summary = await ingestCampaignFile({
    campaignId: 'marzo', file: 'campaigns/marzo/clientes marzo.csv', fileId: 'f1', source: parts, settings: o.settings ? parseCampaignSettings(o.settings) : settings, catalog, defaultCountry: 'CO', nowMs: o.now ?? tuesday10,
    rows: createMemoryRowSink((p) => (o.dnc ?? []).includes(p), (r) => { jobs.push(r); }), rejected: (l) => { rejected.push(l); }, chunkSize: o.chunkSize ?? 3,
  });
  return { summary, jobs, rejected };
}
const open = { window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } };
function bigCsv(rows: number, row: (i: number) => string = (i) => `3${String(100_000_000 + i * 7)},Persona ${i}`): string {
  let s = 'phone,name\n';
  for (let i = 0; i < rows; i++) s += `${row(i)}\n`;
  return s;
}
const rowNumbers = (lines: string[]) => lines.slice(1).map((l) => Number(l.split(/[;,]/)[0]));

describe('ingestCampaignFile', () => {
  it('accepts, rejects with reasons and never drops a row silently', async () => {
    const { summary, jobs, rejected } = await run(fixture, { dnc: ['+573201112233'] });
    // The blank line 9 is a row of its own (a spreadsheet shows it), rejected as empty.
    expect(summary).toMatchObject({ lines: 10, rows: 9, accepted: 3, rejected: 6, encoding: 'win1252', delimiter: ';', reportDelimiter: ';' });
    expect(summary.accepted + summary.rejected).toBe(summary.rows);
    expect(summary.rejectedByReason).toEqual({ 'spreadsheet-damage': 1, duplicate: 1, 'invalid-number': 1, 'invalid-timezone': 1, 'do-not-call': 1, 'empty-row': 1 });
    expect(jobs.map((j) => j.phone)).toEqual(['+573001234567', '+576015551234', '+573155550000']);
    expect(jobs[0]).toMatchObject({ rowId: 'f1-2', rowNumber: 2, dueAt: tuesday10, priority: 0, name: 'José Pérez', contactId: '101', variables: { ciudad: 'Bogotá', deuda: '150000' } });
    expect(jobs[2]!.variables.deuda).toBe('=1+1'); // kept as data for the flow; only the report neutralises
    expect(rejected[0]).toBe('row;line;reason;detail;Teléfono;Nombre;hubspot_contact_id;zona_horaria;Ciudad;Deuda\r\n');
    expect(rejected.find((l) => l.startsWith('5;5;duplicate'))).toContain(";'+57 300-123-4567;");
    // Row numbers are the spreadsheet's: the last row is row 10 (not 9: the blank line counts).
    expect(rejected.find((l) => l.includes('do-not-call'))).toMatch(/^10;10;do-not-call;/);
  });

  it('writes rejected rows in file order, whatever stage rejected them', async () => {
    // Duplicates are only known when a chunk is gated; they used to be written after the
    // chunk's other rejections. 3 rows per chunk here.
    const csv = 'phone,name\n3001112233,a\nbad,b\n3001112233,dup\n3.0E+9,c\n3004445566,d\n3004445566,dup2\n\n';
    const { rejected } = await run(csv, { settings: open });
    expect(rowNumbers(rejected)).toEqual([3, 4, 5, 7, 8]);
  });

  it('delays rows to the window opening instead of dialling them now', async () => {
    const sunday = DateTime.fromISO('2026-03-15T10:00', { zone: 'America/Bogota' }).toMillis();
    const { summary, jobs } = await run(fixture, { now: sunday });
    const monday8 = DateTime.fromISO('2026-03-16T08:00', { zone: 'America/Bogota' }).toMillis();
    expect(jobs.every((j) => j.dueAt === monday8)).toBe(true);
    expect(summary.firstDialAt).toBe(new Date(monday8).toISOString());
    expect(summary.delayedToWindow).toBe(summary.accepted);
  });
  it('fails the file with a stable code when there is no phone column', async () => {
    await expect(run('name,city\nAna,Cali\n')).rejects.toMatchObject({ code: 'CAMPAIGN_NO_PHONE_COLUMN' });
  });

  it('refuses settings whose flowId is not in the registry before reading a row', async () => {
    const err = await run(fixture, { settings: { flowId: 'campaing' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CAMPAIGN_SETTINGS_INVALID' });
    expect((err as Error).message).toMatch(/flowId: "campaing" is not a flow of the registry.*did you mean "campaign"\?.*Known flows: campaign, main/);
  });
});

describe('ingest never loses a row (issue 14)', () => {
  it('a 5,000-row file with an unclosed quote at row 10 rejects that line and accepts the other 4,999', async () => {
    // Before: rows=12 accepted=9 rejected=3, exit 0: 4,988 rows vanished.
    const csv = bigCsv(5000, (i) => (i === 8 ? `3${String(100_000_000 + i * 7)},"Persona ${i}` : `3${String(100_000_000 + i * 7)},Persona ${i}`));
    const { summary, rejected, jobs } = await run(csv, { settings: open, chunkSize: 1000, chunk: 4096 });
    expect(summary).toMatchObject({ lines: 5001, rows: 5000, accepted: 4999, rejected: 1, rejectedByReason: { 'malformed-row': 1 } });
    expect(rejected[1]).toMatch(/^10;10;malformed-row;"unclosed-quote: /);
    expect(jobs).toHaveLength(4999);
  });
  it('one 70 KB cell at row 4,000 rejects that row only', async () => {
    // Before: the 64 KiB record limit plus skip-on-error lost 998 rows.
    const csv = bigCsv(5000, (i) => (i === 3998 ? `3${String(100_000_000 + i * 7)},${'x'.repeat(70_000)}` : `3${String(100_000_000 + i * 7)},Persona ${i}`));
    const { summary, rejected } = await run(csv, { settings: open, chunkSize: 1000, chunk: 65_536 });
    expect(summary).toMatchObject({ rows: 5000, accepted: 4999, rejected: 1, rejectedByReason: { 'cell-too-large': 1 } });
    expect(rejected[1]!.slice(0, 80)).toMatch(/^4000;4000;cell-too-large;"column ""name"" has 70000 characters/);
  });
  it('a small file with an unclosed quote is read, not refused as "no header row"', async () => {
    const { summary } = await run('phone,name\n3001234567,"Ana\n3001234568,Luis\n', { settings: open });
    expect(summary).toMatchObject({ rows: 2, accepted: 1, rejected: 1 });
  });
  it('Windows-1252 bytes after the first 64 KiB are decoded, not accepted as "Jos� P�rez"', async () => {
    const head = bigCsv(4000, (i) => `3${String(100_000_000 + i * 7)},${i === 0 ? 'Peña' : `Persona ${i}`}`); // UTF-8, ~100 KB
    const tail = iconv.encode('3209999999,José Pérez\n3208888888,Ana\n', 'win1252');
    const buf = Buffer.concat([Buffer.from(head), tail]);
    expect(buf.length).toBeGreaterThan(64 * 1024);
    const { summary, jobs } = await run(buf, { settings: open, chunkSize: 1000, chunk: 16_384 });
    expect(jobs.find((j) => j.phone === '+573209999999')?.name).toBe('José Pérez');
    expect(summary).toMatchObject({ encoding: 'utf8+win1252', encodingRows: { utf8: 1, win1252: 1 } });
    expect(jobs.find((j) => j.phone === '+573100000000')?.name).toBe('Peña');
  });
  it('a 30,000-column row is rejected as too many columns, not 30,000 channel variables', async () => {
    const { summary, jobs } = await run(`phone,name\n3001234567,${'v,'.repeat(30_000)}\n3001234568,Ana\n`, { settings: open });
    expect(summary).toMatchObject({ rows: 2, accepted: 1, rejectedByReason: { 'too-many-columns': 1 } });
    expect(Object.keys(jobs[0]!.variables)).toHaveLength(0);
    await expect(run(`phone,${Array.from({ length: 30_000 }, (_, i) => `c${i}`).join(',')}\n3001234567\n`, { settings: open })).rejects.toMatchObject({ code: 'CAMPAIGN_TOO_MANY_COLUMNS' });
  });
  it('row numbers and lines come from the reader, also after multi-line values and blank lines', async () => {
    const { rejected } = await run('phone,notes\n3001234567,"two\nlines"\n\nbad,x\n', { settings: open });
    expect(rejected.slice(1).map((l) => l.split(';').slice(0, 3).join(';'))).toEqual(['3;4;empty-row', '4;5;invalid-characters']);
  });
  it('property: accepted + rejected == rows and every line is accounted for, for any generated file', async () => {
    const line = fc.oneof(
      fc.integer({ min: 0, max: 99 }).map((n) => `30012345${String(n).padStart(2, '0')},Ana`), // valid, some duplicates
      fc.constantFrom('', ',', '3.0E+9,x', 'abc,def', '3001,"open', '3002,"a"b', '3003,"two\nlines"', `3004,${'w'.repeat(1500)}`, '+1 212 555 0100,"x"', '3005,' + 'c,'.repeat(80)),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.integer({ min: 1, max: 200 }), async (lines, eol, chunk) => {
        const text = ['phone,name', ...lines].join(eol).replaceAll('\n', eol === '\n' ? '\n' : '\r\n').replaceAll('\r\r\n', '\r\n') + eol;
        const { summary, rejected } = await run(text, { settings: open, chunk });
        expect(summary.accepted + summary.rejected).toBe(summary.rows);
        expect(rejected.length - 1).toBe(summary.rejected);
        expect(rowNumbers(rejected)).toEqual([...rowNumbers(rejected)].sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });
});

describe('reports fit the spreadsheet (issues 12 and 14)', () => {
  it('uses ; for a decimal-comma locale and the input delimiter otherwise; a setting forces it', async () => {
    expect((await run('phone,name\nbad,x\n', { settings: open })).summary.reportDelimiter).toBe(';'); // CO → es-CO
    expect((await run('phone,name\nbad,x\n', { settings: { ...open, reports: { locale: 'en-US' } } })).summary.reportDelimiter).toBe(',');
    expect((await run('phone\tname\nbad\tx\n', { settings: { ...open, reports: { locale: 'en-US' } } })).summary.reportDelimiter).toBe('\t');
    expect((await run('phone;name\nbad;x\n', { settings: { ...open, reports: { delimiter: ',' } } })).summary.reportDelimiter).toBe(',');
  });
  it('a formula in a malformed raw line cannot become a live cell in any locale', async () => {
    // The raw text of an unparseable `,` line holds a `;`: written bare, a `;` spreadsheet splits it
    // and `=cmd|…` becomes a cell of its own. And a leading space before `=` used to pass.
    const { rejected } = await run(`phone,name\n"foo;=cmd|' /C calc'!A0\n3001234567, =1+1;x\n`, { settings: { ...open, reports: { locale: 'en-US' } } });
    expect(rejected[1]).toContain(`"""foo;=cmd|' /C calc'!A0"`);
    // Every `;`/`,`/tab in a cell is inside quotes: splitting on any delimiter outside quotes keeps formulas inside.
    for (const l of rejected.slice(1)) {
      for (const d of [',', ';', '\t']) for (const cell of splitOutsideQuotes(l.trimEnd(), d)) expect(cell.replace(/^"/, '')).not.toMatch(/^\s*[=+\-@]/);
    }
  });
  it('the same with the default report settings (the finding as reported: `foo;=cmd|…` and ` =1+1` in rejected.csv)', async () => {
    const { rejected } = await run(`phone,name\n"foo;=cmd|' /C calc'!A0\n12, =1+1;x\n`, { settings: open });
    expect(rejected.length).toBe(3);
    for (const l of rejected.slice(1)) {
      for (const d of [',', ';', '\t']) for (const cell of splitOutsideQuotes(l.trimEnd(), d)) expect(cell.replace(/^"/, ''), `${JSON.stringify(l)} split on ${JSON.stringify(d)}`).not.toMatch(/^\s*[=+\-@]/);
    }
  });
});

function splitOutsideQuotes(line: string, d: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (const ch of line) {
    if (ch === '"') q = !q;
    if (ch === d && !q) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

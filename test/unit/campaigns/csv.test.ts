// The campaign CSV reader: encodings, delimiters, and the rule that no line is ever lost — a
// malformed record costs its own line only, numbers come from the reader, and the totals it
// reports add up. Property tests (fast-check) generate files; the fuzz tests feed it garbage.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { readCsv, detectDelimiter, createLineCounter, type CsvItem, type CsvLimits } from '../../../src/campaigns/csv.ts';

function pieces(buf: Buffer, chunk: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return parts;
}
async function collect(buf: Buffer | string, chunk = 7, limits?: Partial<CsvLimits>): Promise<CsvItem[]> {
  const out: CsvItem[] = [];
  for await (const it of readCsv(pieces(Buffer.isBuffer(buf) ? buf : Buffer.from(buf), chunk), limits)) out.push(it);
  return out;
}
const summary = (items: CsvItem[]) => items.map((i) => (i.kind === 'row' ? `${i.rowNumber}@${i.line}:${i.cells.join('|')}` : i.kind === 'malformed' ? `${i.rowNumber}@${i.line}!${i.code}` : i.kind === 'header' ? `H:${i.headers.join('|')}` : `END ${i.lines}/${i.recordLines}/${i.records}`));

describe('CSV reading', () => {
  const text = 'Teléfono;Nombre\r\n300 123 4567;"Pérez; José"\r\n"3101112233";"dos\r\nlíneas"\r\n';
  it.each([
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ['UTF-8', Buffer.from(text)],
    ['Windows-1252', iconv.encode(text, 'win1252')],
    ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf16le')])],
    ['UTF-16BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf16be')])],
    ['LF line ends', Buffer.from(text.replaceAll('\r\n', '\n'))],
    ['CR line ends (old Mac Excel)', Buffer.from(text.replaceAll('\r\n', '\r'))],
  ])('reads %s the same, cut in small chunks', async (_name, buf) => {
    for (const chunk of [1, 3, 7, 4096]) {
      const items = await collect(buf, chunk);
      expect(items[0]).toMatchObject({ kind: 'header', headers: ['Teléfono', 'Nombre'], delimiter: ';' });
      expect(items.slice(1, -1).map((i) => (i.kind === 'row' ? i.cells[1]!.replace(/\r?\n|\r/, '|') : i.kind))).toEqual(['Pérez; José', 'dos|líneas']);
      expect(items.at(-1)).toMatchObject({ kind: 'end', lines: 4, recordLines: 4, records: 3 });
    }
  });
  it('detects delimiters', () => {
    expect(detectDelimiter('phone,name;x\n')).toBe(',');
    expect(detectDelimiter('"a,b";c;d\n')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
  });

  it('decides the encoding per row: Windows-1252 bytes after 64 KiB of ASCII are not garbled', async () => {
    // Before: the encoding was guessed from the first 64 KiB, so this row became "Jos� P�rez".
    let csv = 'phone,name\n';
    for (let i = 0; csv.length < 70 * 1024; i++) csv += `3001${String(i).padStart(6, '0')},Ana\n`;
    const buf = Buffer.concat([Buffer.from(csv), iconv.encode('3109999999,José Pérez\n', 'win1252'), Buffer.from('3108888888,Añá\n')]);
    const items = await collect(buf, 4096);
    const rows = items.filter((i) => i.kind === 'row');
    expect(rows.at(-2)).toMatchObject({ cells: ['3109999999', 'José Pérez'], encoding: 'win1252' });
    expect(rows.at(-1)).toMatchObject({ cells: ['3108888888', 'Añá'], encoding: 'utf8' });
    expect(items.at(-1)).toMatchObject({ kind: 'end', decoded: { utf8: 1, win1252: 1 } });
  });

  it('an unclosed quote costs its own line only; parsing resumes on the next line', async () => {
    expect(summary(await collect('phone,name\n3001234567,ok\n"3001234568,broken\n3001234569,next\n3001234570,"quoted"\n'))).toEqual([
      'H:phone|name', '2@2:3001234567|ok', '3@3!unclosed-quote', '4@4:3001234569|next', '5@5:3001234570|quoted', 'END 5/5/5',
    ]);
  });
  it('text after a closing quote is malformed, the next line is read', async () => {
    expect(summary(await collect('phone,name\n1,"a"b\n2,c\n'))).toEqual(['H:phone|name', '2@2!text-after-quote', '3@3:2|c', 'END 3/3/3']);
  });
  it('a quoted field spanning too many lines is an unclosed quote: only its first line is rejected', async () => {
    const items = await collect('phone,name\n1,"a\nb\nc\nd\n2,ok\n', 3, { maxRecordLines: 3 });
    expect(summary(items)).toEqual(['H:phone|name', '2@2!unclosed-quote', '3@3:b', '4@4:c', '5@5:d', '6@6:2|ok', 'END 6/6/6']);
  });
  it('a line longer than the record limit is rejected and skipped to its end, whatever the chunking', async () => {
    for (const chunk of [5, 64, 1000]) {
      const csv = `phone,name\n1,${'x'.repeat(500)}\n2,"${'y'.repeat(500)}"\n3,ok\n`;
      expect(summary(await collect(csv, chunk, { maxRecordBytes: 100 }))).toEqual(['H:phone|name', '2@2!record-too-large', '3@3!record-too-large', '4@4:3|ok', 'END 4/4/4']);
    }
  });
  it('numbers rows as a spreadsheet does (blank lines count) and keeps the physical line', async () => {
    expect(summary(await collect('phone\n1\n\n"2\n2b"\n3'))).toEqual(['H:phone', '2@2:1', '3@3:', '4@4:2\n2b', '5@6:3', 'END 6/6/5']);
  });
  it('counts every column of a 30,000-column row but keeps only the limit', async () => {
    const items = await collect(`phone,a\n1,${'x,'.repeat(30_000)}\n`, 4096);
    expect(items[1]).toMatchObject({ kind: 'row', columns: 30_002 });
    expect((items[1] as { cells: string[] }).cells).toHaveLength(1000);
  });
  it('rethrows a source error instead of ending the file early', async () => {
    async function* broken() { yield Buffer.from('phone\n1\n2\n'); throw new Error('connection reset'); }
    await expect((async () => { for await (const _ of readCsv(broken())) { /* read all */ } })()).rejects.toThrow('connection reset');
  });
  it('counts physical lines independently', () => {
    const c = createLineCounter();
    for (const b of ['a\r', '\nb\r', 'c\n', '\n', 'd']) c.add(Buffer.from(b));
    expect(c.total()).toBe(5);
  });
});

// Generated files: lines of known kinds, joined with a random line ending. The reader must give
// one item per physical line (a multi-line quoted value: one item for its lines) and never lose
// a good line to a bad neighbour.
type Gen = { text: Buffer | string; lines: number; good: number };
const goodLine = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.constantFrom('Ana', '"Pérez, José"', '"dice ""hola"""', 'Ñandú', '')).map(([n, name]) => ({ text: `${3000000000 + n},${name}`, lines: 1, good: 1 }));
const badLine = fc.constantFrom(
  { text: '3001,"never closed', lines: 1, good: 0 },
  { text: '3002,"closed"then text', lines: 1, good: 0 },
  { text: '', lines: 1, good: 0 },
  { text: `3003,${'z'.repeat(300)}`, lines: 1, good: 0 },
  { text: `3004,"${'q'.repeat(300)}"`, lines: 1, good: 0 },
);
const multiLine = fc.constant({ text: '3005000000,"two\nlines"', lines: 2, good: 1 });
const fileArb = fc.record({
  body: fc.array(fc.oneof({ weight: 6, arbitrary: goodLine }, { weight: 2, arbitrary: badLine }, { weight: 1, arbitrary: multiLine }), { maxLength: 60 }),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  trailing: fc.boolean(),
  chunk: fc.integer({ min: 1, max: 97 }),
});
function build(f: { body: Gen[]; eol: string; trailing: boolean }): { buf: Buffer; lines: number; good: number } {
  const parts = ['phone,name', ...f.body.map((l) => (l.text as string).replaceAll('\n', f.eol))];
  let text = parts.join(f.eol);
  if (f.trailing) text += f.eol;
  // A blank last line without a line end is no line at all.
  const lastBlank = !f.trailing && f.body.length > 0 && f.body.at(-1)!.text === '';
  return { buf: Buffer.from(text), lines: 1 + f.body.reduce((n, l) => n + l.lines, 0) - (lastBlank ? 1 : 0), good: f.body.reduce((n, l) => n + l.good, 0) };
}

describe('CSV reader properties', () => {
  it('every physical line ends in exactly one item, and every good line is read as a row', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async (f) => {
        const { buf, lines, good } = build(f);
        const items = await collect(buf, f.chunk, { maxRecordBytes: 200, maxRecordLines: 4 });
        const end = items.at(-1) as Extract<CsvItem, { kind: 'end' }>;
        expect(end.kind).toBe('end');
        expect(end.lines).toBe(lines);
        expect(end.recordLines).toBe(lines);
        const records = items.filter((i) => i.kind !== 'end');
        expect(records.reduce((n, i) => n + i.lines, 0)).toBe(lines);
        expect(records.map((i) => i.rowNumber)).toEqual(records.map((_, k) => k + 1));
        // Good lines (phone + name, or the two-line value) all come out as two-cell rows.
        const rows = records.filter((i): i is Extract<CsvItem, { kind: 'row' }> => i.kind === 'row' && i.rowNumber > 1 && i.cells.length === 2 && /^\d{10}$/.test(i.cells[0]!));
        expect(rows.length).toBe(good);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CSV reader fuzz', () => {
  const check = async (bytes: Uint8Array, chunk: number, limits?: Partial<CsvLimits>) => {
    const items = await collect(Buffer.from(bytes), chunk, limits);
    const end = items.at(-1) as Extract<CsvItem, { kind: 'end' }>;
    expect(end.kind).toBe('end');
    expect(end.recordLines).toBe(end.lines);
    expect(end.records).toBe(items.length - 1);
    // The chunking (S3 and fs streams cut anywhere) never changes the result.
    expect(items).toEqual(await collect(Buffer.from(bytes), 1 << 20, limits));
  };
  it('regressions found by the fuzz: a CR at a chunk end while a line is dropped, limits checked per byte', async () => {
    await check(Buffer.from([34, 34, 13, 10, 34, 34, 124, 13, 34]), 1);
    await check(Buffer.from([10, 34, 34, 51, 48, 48, 49, 50, 51, 52, 53, 54, 55]), 4);
    await check(Buffer.from([34, 233, 13, 10, 34, 59]), 1);
    await check(Buffer.from('\r\n"30012345673001234567\r\r\n'), 4, { maxRecordBytes: 16, maxRecordLines: 2 });
  });
  it('random bytes: never throws, never hangs, lines always add up', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 64 }), (b, c) => check(b, c, { maxRecordBytes: 64, maxRecordLines: 3, maxColumns: 5 })), { numRuns: 500 });
  });
  it('CSV-shaped noise (quotes, delimiters, line ends, non-ASCII, BOMs)', async () => {
    const tok = fc.constantFrom('"', '""', ',', ';', '\t', '|', '\n', '\r', '\r\n', 'a', '3001234567', 'é', '\xe9', '\ufeff', ' ', '=');
    const text = fc.array(tok, { maxLength: 200 }).map((t) => Buffer.from(t.join(''), 'latin1'));
    await fc.assert(fc.asyncProperty(text, fc.integer({ min: 1, max: 32 }), (b, c) => check(b, c)), { numRuns: 500 });
    await fc.assert(fc.asyncProperty(text, fc.integer({ min: 1, max: 32 }), (b, c) => check(b, c, { maxRecordBytes: 16, maxRecordLines: 2 })), { numRuns: 500 });
  });
  it('UTF-16 noise', async () => {
    const arb = fc.tuple(fc.constantFrom([0xff, 0xfe], [0xfe, 0xff]), fc.uint8Array({ maxLength: 300 })).map(([bom, b]) => Uint8Array.from([...bom, ...b]));
    await fc.assert(fc.asyncProperty(arb, fc.integer({ min: 1, max: 16 }), (b, c) => check(b, c)), { numRuns: 300 });
  });
});

// Streaming reader for campaign CSVs as spreadsheets really export them: UTF-8 with or without
// BOM, UTF-16 (Excel "Unicode text", transcoded first), Windows-1252 (Excel in Spanish locales);
// `,` `;` tab or `|` delimiters; CRLF, LF or CR; quoted fields with delimiters and line breaks.
//
// Nothing is lost: every physical line of the file ends up in exactly one item (header, row or
// malformed), numbered by this reader itself. A malformed record (unclosed quote, text after a
// closing quote, a quoted field spanning too many lines or bytes) costs only the physical line it
// started on: the reader rejects that line and parses again from the next one. A record longer
// than the byte limit is skipped to the end of its line and reported. Memory is bounded by the
// record limit, never by the file.
//
// Encoding is decided per record, not guessed from a sample: bytes that are valid UTF-8 are UTF-8,
// anything else is Windows-1252 (the only other single-byte encoding spreadsheets here produce);
// the `end` item counts the records decoded each way, so a mixed file is reported, not garbled.
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

export type CsvEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'win1252';

export interface CsvLimits {
  /** Bytes one record may take (its quoted fields included) before it is refused. */
  maxRecordBytes: number;
  /** Physical lines one quoted field may span; more means a quote was never closed. */
  maxRecordLines: number;
  /** Cells kept per record; the rest are counted (the record is refused by the caller). */
  maxColumns: number;
}

export const DEFAULT_CSV_LIMITS: CsvLimits = { maxRecordBytes: 256 * 1024, maxRecordLines: 32, maxColumns: 1000 };

export type MalformedCode = 'unclosed-quote' | 'text-after-quote' | 'record-too-large';

export type CsvItem =
  /** `container`: how the bytes were stored (UTF-16 is transcoded; utf8 = per-record UTF-8 / Windows-1252). */
  | { kind: 'header'; rowNumber: 1; line: 1; lines: number; headers: string[]; columns: number; container: CsvEncoding; delimiter: string }
  | { kind: 'row'; rowNumber: number; line: number; lines: number; cells: string[]; columns: number; encoding: 'utf8' | 'win1252' }
  | { kind: 'malformed'; rowNumber: number; line: number; lines: 1; code: MalformedCode; raw: string; message: string }
  /** Totals: `lines` counted from the bytes, independently of the records. */
  | { kind: 'end'; lines: number; records: number; recordLines: number; decoded: { utf8: number; win1252: number }; container: CsvEncoding };

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const RAW_KEEP = 2048; // characters of a malformed line kept for the report

export function detectContainer(head: Uint8Array): CsvEncoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  return 'utf8';
}

/** Delimiter = the most frequent of , ; \t | in the first line, outside quotes. */
export function detectDelimiter(firstText: string): string {
  return scanFirstLine(firstText).delimiter;
}

function scanFirstLine(text: string): { delimiter: string; ended: boolean } {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  let ended = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) { ended = true; break; }
    else if (!quoted && ch in counts) counts[ch]! += 1;
  }
  let best = ',';
  for (const [d, n] of Object.entries(counts)) if (n > counts[best]!) best = d;
  return { delimiter: best, ended };
}

/** Physical lines of a byte stream (LF, CRLF or CR end a line; a last line without one counts). */
export function createLineCounter() {
  let lines = 0;
  let lastCR = false;
  let last = -1;
  return {
    add(b: Uint8Array) {
      for (let i = 0; i < b.length; i++) {
        const c = b[i]!;
        if (c === LF) { if (!lastCR) lines++; lastCR = false; } else if (c === CR) { lines++; lastCR = true; } else lastCR = false;
      }
      if (b.length) last = b[b.length - 1]!;
    },
    total: () => lines + (last !== -1 && last !== LF && last !== CR ? 1 : 0),
  };
}

type Parsed =
  /** Cells are in the caller's `cells` array, flat: start, end, has escaped quotes (0/1) per cell. */
  | { s: 'row'; end: number; columns: number; lines: number; high: boolean }
  | { s: 'more' }
  | { s: 'bad'; code: MalformedCode; message: string }
  | { s: 'huge' }; // an unquoted line longer than the limit: skip to its end

// One result object for every parsed row and every "more" (the caller reads it before parsing
// the next record): no allocation per row for what is only a return value.
const ROW: Extract<Parsed, { s: 'row' }> = { s: 'row', end: 0, columns: 0, lines: 0, high: false };
const MORE: Parsed = { s: 'more' };
function rowResult(end: number, columns: number, lines: number, high: boolean): Parsed {
  ROW.end = end; ROW.columns = columns; ROW.lines = lines; ROW.high = high;
  return ROW;
}

/**
 * Parses one record at `start`; `final` = no more bytes will come. Cell byte ranges go into
 * `cells` (emptied first; reused from record to record: no allocation per cell).
 */
function parseRecord(buf: Buffer, start: number, final: boolean, delim: number, lim: CsvLimits, cells: number[]): Parsed {
  const len = buf.length;
  cells.length = 0;
  const maxFlat = lim.maxColumns * 3;
  let columns = 0;
  let lines = 1;
  let high = false;
  let i = start;
  for (;;) {
    if (i < len && buf[i] === QUOTE) {
      const from = i + 1;
      let esc = false;
      let j = from;
      for (;;) {
        // Limits are checked byte by byte, so the verdict never depends on how the file was chunked.
        if (j - start > lim.maxRecordBytes) return { s: 'bad', code: 'record-too-large', message: `the record is longer than ${lim.maxRecordBytes} bytes (a quote never closed?)` };
        if (j >= len) {
          if (final) return { s: 'bad', code: 'unclosed-quote', message: 'a quoted field is never closed (unclosed ")' };
          return MORE;
        }
        const c = buf[j]!;
        if (c === QUOTE) {
          if (j + 1 >= len && !final) return MORE;
          if (buf[j + 1] === QUOTE) { esc = true; j += 2; continue; }
          break;
        }
        if (c === LF || c === CR) {
          if (c === CR && buf[j + 1] === LF) j++;
          if (++lines > lim.maxRecordLines) return { s: 'bad', code: 'unclosed-quote', message: `a quoted field spans more than ${lim.maxRecordLines} lines (unclosed "?)` };
        } else if (c >= 0x80) high = true;
        j++;
      }
      if (j - start > lim.maxRecordBytes) return { s: 'bad', code: 'record-too-large', message: `the record is longer than ${lim.maxRecordBytes} bytes (a quote never closed?)` };
      columns++;
      if (cells.length < maxFlat) cells.push(from, j, esc ? 1 : 0);
      i = j + 1;
      if (i < len && buf[i] !== delim && buf[i] !== LF && buf[i] !== CR) {
        // A "closing" quote lines below the opening one: the opening quote was never closed.
        return lines > 1
          ? { s: 'bad', code: 'unclosed-quote', message: `a quote opened on this line is not closed on it (it only pairs with a quote ${lines - 1} line(s) below)` }
          : { s: 'bad', code: 'text-after-quote', message: 'text after the closing quote of a field' };
      }
    } else {
      const from = i;
      for (; i < len; i++) {
        if (i - start > lim.maxRecordBytes) return { s: 'huge' };
        const c = buf[i]!;
        if (c === delim || c === LF || c === CR) break;
        if (c >= 0x80) high = true;
      }
      if (i >= len && !final) return MORE;
      columns++;
      if (cells.length < maxFlat) cells.push(from, i, 0);
    }
    if (i >= len) return final ? rowResult(len, columns, lines, high) : MORE;
    const c = buf[i]!;
    if (c === delim) { i++; continue; }
    if (c === CR) {
      if (i + 1 >= len && !final) return MORE;
      return rowResult(buf[i + 1] === LF ? i + 2 : i + 1, columns, lines, high);
    }
    return rowResult(i + 1, columns, lines, high); // LF
  }
}

/** End of the physical line starting at `start` (after its newline), or -1 when not in `buf` yet. */
function lineEnd(buf: Buffer, start: number, final: boolean): number {
  for (let i = start; i < buf.length; i++) {
    const c = buf[i];
    if (c === LF) return i + 1;
    if (c === CR) {
      if (i + 1 >= buf.length) return final ? i + 1 : -1;
      return buf[i + 1] === LF ? i + 2 : i + 1;
    }
  }
  return final ? buf.length : -1;
}

const win1252 = (b: Buffer) => iconv.decode(b, 'win1252');

function decodeCells(buf: Buffer, cells: number[], utf8: boolean, ascii: boolean): string[] {
  const n = cells.length / 3;
  const out: string[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const a = cells[3 * k]!;
    const b = cells[3 * k + 1]!;
    // Bytes < 0x80 are the same characters in latin1 and UTF-8; latin1 is the cheaper decoder.
    const v = ascii ? buf.toString('latin1', a, b) : utf8 ? buf.toString('utf8', a, b) : win1252(buf.subarray(a, b));
    out[k] = cells[3 * k + 2] ? v.replaceAll('""', '"') : v;
  }
  return out;
}

function rawText(buf: Buffer, a: number, b: number): string {
  const slice = buf.subarray(a, Math.min(b, a + RAW_KEEP * 2));
  let t = isUtf8(slice) ? slice.toString('utf8') : win1252(slice);
  t = t.replace(/\r?\n$|\r$/, '');
  return t.length > RAW_KEEP ? `${t.slice(0, RAW_KEEP)}…` : t;
}

/** Bytes as UTF-8 (UTF-16 transcoded), BOM removed. */
async function* utf8Bytes(it: AsyncIterator<Uint8Array>, head: Buffer, container: CsvEncoding, done: boolean): AsyncGenerator<Buffer> {
  if (container === 'utf8') {
    if (head.length) yield head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
    while (!done) {
      const n = await it.next();
      if (n.done) return;
      yield Buffer.from(n.value.buffer, n.value.byteOffset, n.value.byteLength);
    }
    return;
  }
  const dec = iconv.getDecoder(container === 'utf16le' ? 'utf16le' : 'utf16be', { stripBOM: true });
  const out = (s: string) => Buffer.from(s, 'utf8');
  if (head.length) yield out(dec.write(head));
  while (!done) {
    const n = await it.next();
    if (n.done) break;
    yield out(dec.write(Buffer.from(n.value)));
  }
  const rest = dec.end();
  if (rest) yield out(rest);
}

/**
 * Reads `source` (bytes) as CSV. The first record is the header; every later physical line ends
 * in a `row` or a `malformed` item; the last item is `end` with the totals. Never throws for
 * content; a source error is rethrown (the file is not taken as shorter than it is).
 */
export async function* readCsv(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, limits: Partial<CsvLimits> = {}): AsyncGenerator<CsvItem> {
  for await (const batch of readCsvBatches(source, limits)) yield* batch;
}

/** readCsv's items in batches, one per chunk of input (the ingest: no promise per row). */
export async function* readCsvBatches(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, limits: Partial<CsvLimits> = {}): AsyncGenerator<CsvItem[]> {
  const lim: CsvLimits = { ...DEFAULT_CSV_LIMITS, ...limits };
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (async function* () { yield* source; })();
  // The first bytes decide the container (BOM) and, once a line is in, the delimiter.
  const headParts: Buffer[] = [];
  let headLen = 0;
  let done = false;
  while (headLen < 64 * 1024) {
    const n = await it.next();
    if (n.done) { done = true; break; }
    const b = Buffer.from(n.value);
    headParts.push(b);
    headLen += b.length;
    if (headLen >= 4 && b.includes(LF)) break;
  }
  const head = Buffer.concat(headParts);
  const container = detectContainer(head);

  const counter = createLineCounter();
  let buf: Buffer = Buffer.alloc(0);
  let start = 0;
  let delim = -1;
  let delimiter = ',';
  let rowNumber = 0;
  let line = 1;
  let recordLines = 0;
  const decoded = { utf8: 0, win1252: 0 };
  // A line being dropped to its end (malformed or too long), reported once its end is seen.
  let skip: { rowNumber: number; line: number; raw: Buffer[]; kept: number; code: MalformedCode; message: string } | undefined;
  const rawOf = (k: NonNullable<typeof skip>) => { const b = Buffer.concat(k.raw); return rawText(b, 0, b.length); };

  const bytes = utf8Bytes(it, head, container, done);
  const cells: number[] = [];
  let out: CsvItem[] = [];
  let final = false;
  for (;;) {
    if (out.length) { yield out; out = []; }
    const n = await bytes.next();
    if (n.done) final = true;
    else {
      counter.add(n.value);
      buf = start < buf.length ? Buffer.concat([buf.subarray(start), n.value]) : n.value;
      start = 0;
    }
    if (delim < 0) {
      // The header line decides, whatever the chunking: wait for its end (outside quotes), 64 KiB or EOF.
      const first = scanFirstLine(buf.subarray(0, 64 * 1024).toString('latin1'));
      if (!first.ended && !final && buf.length < 64 * 1024) continue;
      delimiter = first.delimiter;
      delim = delimiter.charCodeAt(0);
    }
    while (start < buf.length) {
      if (skip) {
        const e = lineEnd(buf, start, final);
        // The rest of the line may not be here yet: drop what is (keeping the start for the
        // report), but keep a last CR (its LF may follow).
        const upto = e >= 0 ? e : buf[buf.length - 1] === CR ? buf.length - 1 : buf.length;
        if (skip.kept < RAW_KEEP * 2) { const part = buf.subarray(start, Math.min(upto, start + RAW_KEEP * 2 - skip.kept)); skip.raw.push(Buffer.from(part)); skip.kept += part.length; }
        start = upto;
        if (e < 0) break;
        out.push({ kind: 'malformed', rowNumber: skip.rowNumber, line: skip.line, lines: 1, code: skip.code, raw: rawOf(skip), message: skip.message });
        recordLines += 1;
        line += 1;
        skip = undefined;
        continue;
      }
      const p = parseRecord(buf, start, final, delim, lim, cells);
      if (p.s === 'more') break;
      rowNumber += 1;
      if (p.s === 'row') {
        const utf8 = !p.high || isUtf8(buf.subarray(start, p.end));
        if (p.high) decoded[utf8 ? 'utf8' : 'win1252'] += 1;
        const values = decodeCells(buf, cells, utf8, !p.high);
        if (rowNumber === 1) out.push({ kind: 'header', rowNumber: 1, line: 1, lines: p.lines, headers: values, columns: p.columns, container, delimiter });
        else out.push({ kind: 'row', rowNumber, line, lines: p.lines, cells: values, columns: p.columns, encoding: utf8 ? 'utf8' : 'win1252' });
        recordLines += p.lines;
        line += p.lines;
        start = p.end;
        continue;
      }
      // Malformed or too long: only the first physical line of the record is lost; parsing
      // starts again on the next line.
      skip = p.s === 'huge'
        ? { rowNumber, line, raw: [], kept: 0, code: 'record-too-large', message: `the line is longer than ${lim.maxRecordBytes} bytes` }
        : { rowNumber, line, raw: [], kept: 0, code: p.code, message: p.message };
    }
    if (final) break;
  }
  if (skip) { // the source ended inside the line being dropped
    out.push({ kind: 'malformed', rowNumber: skip.rowNumber, line: skip.line, lines: 1, code: skip.code, raw: rawOf(skip), message: skip.message });
    recordLines += 1;
  }
  out.push({ kind: 'end', lines: counter.total(), records: rowNumber, recordLines, decoded, container });
  yield out;
}

// Streaming reader for campaign CSVs as spreadsheets really export them: UTF-8 with or
// without BOM, UTF-16 (Excel "Unicode text"), or Windows-1252 (Excel in Spanish locales);
// `,` `;` tab or `|` delimiters; CRLF or LF; quoted fields. Never loads the whole file:
// only the first 64 KiB are sniffed for encoding and delimiter.
import { pipeline, Readable, type Transform } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';

export type CsvEncoding = 'utf8' | 'utf16le' | 'win1252';

export type CsvItem =
  | { kind: 'header'; headers: string[]; encoding: CsvEncoding; delimiter: string }
  | { kind: 'row'; rowNumber: number; cells: string[] }
  | { kind: 'malformed'; rowNumber: number; raw: string; message: string };

const SNIFF_BYTES = 64 * 1024;

export function detectEncoding(sample: Uint8Array): CsvEncoding {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf8';
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf16le';
  try {
    // stream:true keeps a multi-byte sequence cut by the sample boundary from counting as invalid.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return 'utf8';
  } catch {
    return 'win1252';
  }
}

/** Delimiter = the most frequent of , ; \t | in the first line, outside quotes. */
export function detectDelimiter(firstText: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  for (const ch of firstText) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch]! += 1;
  }
  let best = ',';
  for (const [d, n] of Object.entries(counts)) if (n > counts[best]!) best = d;
  return best;
}

/** Reads `source` (bytes) as CSV; the first record is the header. Malformed records are reported, not thrown. */
export async function* readCsv(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<CsvItem> {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (async function* () { yield* source; })();
  const head: Buffer[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < SNIFF_BYTES) {
    const n = await it.next();
    if (n.done) { done = true; break; }
    const b = Buffer.from(n.value);
    head.push(b);
    headBytes += b.length;
  }
  const sample = Buffer.concat(head);
  const encoding = detectEncoding(sample);
  const sampleText = iconv.decode(sample.subarray(0, 4096), encoding === 'utf8' ? 'utf8' : encoding);
  const delimiter = detectDelimiter(sampleText.replace(/^\uFEFF/, ''));

  async function* bytes(): AsyncGenerator<Buffer> {
    if (sample.length) yield sample;
    if (done) return;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield Buffer.from(n.value);
    }
  }
  const skipped: { raw: string; message: string; record: number }[] = [];
  let records = 0;
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: 64 * 1024,
    on_skip: (err, raw) => {
      records += 1;
      skipped.push({ raw: raw ?? '', message: err?.message ?? 'unparseable record', record: records });
      return undefined;
    },
  });
  const stages: (Readable | Transform | NodeJS.ReadWriteStream)[] = [Readable.from(bytes())];
  if (encoding !== 'utf8') stages.push(iconv.decodeStream(encoding));
  stages.push(parser);
  // pipeline (not pipe) so a source error destroys the parser and ends the loop below with it.
  const out = (pipeline as unknown as (...s: unknown[]) => Readable)(...stages, () => {});

  let header = true;
  for await (const rec of out as AsyncIterable<string[]>) {
    while (skipped.length) {
      const s = skipped.shift()!;
      yield { kind: 'malformed', rowNumber: s.record, raw: s.raw, message: s.message };
    }
    records += 1;
    if (header) {
      header = false;
      yield { kind: 'header', headers: rec, encoding, delimiter };
      continue;
    }
    yield { kind: 'row', rowNumber: records, cells: rec };
  }
  for (const s of skipped) yield { kind: 'malformed', rowNumber: s.record, raw: s.raw, message: s.message };
}

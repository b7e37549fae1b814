#!/usr/bin/env node
// `npm run sounds`: makes sounds/<lang>/<id>.wav for every prompt in sounds/prompts.yaml
// that has no file yet, with espeak-ng (placeholder voice) and sox (8 kHz mono 16-bit PCM,
// what Asterisk plays without transcoding). Existing files — e.g. professional recordings —
// are kept unless --force. --check only verifies presence and format (exit 1 on problems).
// --convert re-encodes existing files that are not 8 kHz mono 16-bit.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface PromptManifest {
  voices: Record<string, string>;
  prompts: Record<string, Record<string, string>>;
}

export function readManifest(soundsDir: string): PromptManifest {
  const raw = parse(readFileSync(join(soundsDir, 'prompts.yaml'), 'utf8')) as Partial<PromptManifest>;
  return { voices: raw.voices ?? {}, prompts: raw.prompts ?? {} };
}

/** Format from the WAV header's fmt chunk (no process per file). */
export function wavFormat(file: string): { rate: number; channels: number; bits: number; encoding: string } {
  const buf = readFileSync(file);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return { rate: 0, channels: 0, bits: 0, encoding: 'not a WAV file' };
  for (let off = 12; off + 8 <= buf.length; ) {
    const size = buf.readUInt32LE(off + 4);
    if (buf.toString('ascii', off, off + 4) === 'fmt ') {
      const format = buf.readUInt16LE(off + 8);
      return { channels: buf.readUInt16LE(off + 10), rate: buf.readUInt32LE(off + 12), bits: buf.readUInt16LE(off + 22), encoding: format === 1 ? 'Signed Integer PCM' : `format ${format}` };
    }
    off += 8 + size + (size % 2);
  }
  return { rate: 0, channels: 0, bits: 0, encoding: 'no fmt chunk' };
}

const okFormat = (f: ReturnType<typeof wavFormat>) => f.rate === 8000 && f.channels === 1 && f.bits === 16 && f.encoding === 'Signed Integer PCM';

function main(argv: string[]): number {
  const force = argv.includes('--force');
  const check = argv.includes('--check');
  const convert = argv.includes('--convert');
  const dirArg = argv.find((a) => a.startsWith('--dir='));
  const soundsDir = resolve(dirArg ? dirArg.slice(6) : 'sounds');
  const m = readManifest(soundsDir);
  const tmp = mkdtempSync(join(tmpdir(), 'centralita-sounds-'));
  let made = 0, kept = 0, problems = 0;
  try {
    for (const [id, texts] of Object.entries(m.prompts)) {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) { console.error(`prompt id '${id}': use lowercase letters, digits and -`); problems++; continue; }
      for (const [lang, text] of Object.entries(texts)) {
        const out = join(soundsDir, lang, `${id}.wav`);
        if (existsSync(out) && !force) {
          const f = wavFormat(out);
          if (okFormat(f)) { kept++; continue; }
          if (convert && !check) {
            const tmpOut = join(tmp, `${lang}-${id}.wav`);
            execFileSync('sox', [out, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmpOut]);
            copyFileSync(tmpOut, out);
            console.log(`converted ${out}`);
            made++;
            continue;
          }
          console.error(`${out}: ${f.rate} Hz, ${f.channels} ch, ${f.bits} bit ${f.encoding}; Asterisk wants 8000 Hz mono 16-bit (run with --convert)`);
          problems++;
          continue;
        }
        if (check) { console.error(`${out}: missing`); problems++; continue; }
        const voice = m.voices[lang] ?? lang;
        const raw = join(tmp, `${lang}-${id}-raw.wav`);
        mkdirSync(join(soundsDir, lang), { recursive: true });
        execFileSync('espeak-ng', ['-v', voice, '-s', '150', '-w', raw, text]);
        // Trim leading silence, resample to 8 kHz mono 16-bit signed PCM.
        execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', out, 'silence', '1', '0.05', '0.5%', 'norm', '-3']);
        console.log(`made ${out}`);
        made++;
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`${made} made, ${kept} kept, ${problems} problem(s)`);
  return problems ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));

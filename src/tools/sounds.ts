#!/usr/bin/env node
// `npm run sounds`: makes sounds/<lang>/<id>.wav for every prompt in sounds/prompts.yaml
// that has no file yet, with espeak-ng (placeholder voice) and sox (8 kHz mono 16-bit PCM,
// what Asterisk plays without transcoding). Existing files — e.g. professional recordings —
// are kept unless --force. --check only verifies presence and format (exit 1 on problems).
// --convert re-encodes existing files that are not 8 kHz mono 16-bit.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface PromptManifest {
  voices: Record<string, string>;
  prompts: Record<string, Record<string, string>>;
  /** Sounds that are not speech (the voicemail beep), made in every language of `voices`. */
  tones: Record<string, { hz: number; seconds: number }>;
}

export function readManifest(soundsDir: string): PromptManifest {
  const raw = parse(readFileSync(join(soundsDir, 'prompts.yaml'), 'utf8')) as Partial<PromptManifest>;
  return { voices: raw.voices ?? {}, prompts: raw.prompts ?? {}, tones: raw.tones ?? {} };
}

/** Prompt ids as Asterisk names sound files: `welcome`, or one folder deep (`digits/1M`). */
export const PROMPT_ID = /^[a-z0-9][a-z0-9-]*(?:\/[A-Za-z0-9][A-Za-z0-9-]*)?$/;

/** A program `npm run sounds` needs is not installed. */
class ToolMissing extends Error {}

const INSTALL = 'sudo apt-get install espeak-ng sox (Debian/Ubuntu), brew install espeak-ng sox (macOS)';

function tool(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new ToolMissing(cmd, { cause: err });
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0];
    throw new Error(`${cmd} ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: err });
  }
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

type Job = { out: string; make: (tmp: string) => void };

function main(argv: string[]): number {
  const force = argv.includes('--force');
  const check = argv.includes('--check');
  const convert = argv.includes('--convert');
  const dirArg = argv.find((a) => a.startsWith('--dir='));
  const soundsDir = resolve(dirArg ? dirArg.slice(6) : 'sounds');
  const m = readManifest(soundsDir);
  let made = 0, kept = 0, problems = 0;
  const jobs: Job[] = [];
  const wanted: { id: string; lang: string; out: string; make: (tmp: string, out: string) => void }[] = [];
  for (const [id, texts] of Object.entries(m.prompts)) {
    if (!PROMPT_ID.test(id)) { console.error(`prompt id '${id}': use lowercase letters, digits and -, optionally in one folder (digits/7)`); problems++; continue; }
    for (const [lang, text] of Object.entries(texts)) {
      wanted.push({ id, lang, out: join(soundsDir, lang, `${id}.wav`), make: (tmp, out) => {
        const raw = join(tmp, 'raw.wav');
        tool('espeak-ng', ['-v', m.voices[lang] ?? lang, '-s', '150', '-w', raw, String(text)]);
        // Trim silence at both ends (read-outs join several files), resample to 8 kHz mono 16-bit signed PCM.
        tool('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', out, 'silence', '1', '0.05', '0.5%', 'reverse', 'silence', '1', '0.05', '0.5%', 'reverse', 'pad', '0', '0.1', 'norm', '-3']);
      } });
    }
  }
  for (const [id, t] of Object.entries(m.tones)) {
    if (!PROMPT_ID.test(id) || !(t.hz > 0) || !(t.seconds > 0)) { console.error(`tone '${id}': needs an id like beep, hz > 0 and seconds > 0`); problems++; continue; }
    for (const lang of Object.keys(m.voices)) {
      wanted.push({ id, lang, out: join(soundsDir, lang, `${id}.wav`), make: (_tmp, out) => tool('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', out, 'synth', String(t.seconds), 'sine', String(t.hz), 'vol', '0.5']) });
    }
  }
  for (const w of wanted) {
    if (existsSync(w.out) && !force) {
      const f = wavFormat(w.out);
      if (okFormat(f)) { kept++; continue; }
      if (convert && !check) {
        jobs.push({ out: w.out, make: (tmp) => {
          const tmpOut = join(tmp, 'converted.wav');
          tool('sox', [w.out, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmpOut]);
          copyFileSync(tmpOut, w.out);
          console.log(`converted ${w.out}`);
        } });
        continue;
      }
      console.error(`${w.out}: ${f.rate} Hz, ${f.channels} ch, ${f.bits} bit ${f.encoding}; Asterisk wants 8000 Hz mono 16-bit (run with --convert)`);
      problems++;
      continue;
    }
    if (check) { console.error(`${w.out}: missing`); problems++; continue; }
    jobs.push({ out: w.out, make: (tmp) => { mkdirSync(dirname(w.out), { recursive: true }); w.make(tmp, w.out); console.log(`made ${w.out}`); } });
  }
  const tmp = mkdtempSync(join(tmpdir(), 'centralita-sounds-'));
  try {
    for (const j of jobs) { j.make(tmp); made++; }
  } catch (err) {
    if (!(err instanceof ToolMissing)) throw err;
    console.error(`npm run sounds: ${err.message} is not installed; it is needed to make ${jobs.length - made} missing prompt file(s). Install espeak-ng and sox: ${INSTALL}`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`${made} made, ${kept} kept, ${problems} problem(s)`);
  return problems ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let code: number;
  try {
    code = main(process.argv.slice(2));
  } catch (err) {
    // One line, not a stack trace: a broken prompts.yaml, a voice espeak-ng does not have…
    console.error(`npm run sounds: ${(err as Error).message.split('\n')[0]}`);
    code = 1;
  }
  process.exit(code);
}

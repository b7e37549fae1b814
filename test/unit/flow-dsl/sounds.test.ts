// Prompts: every prompt the shipped flows, the ACD and Asterisk's read-outs use exists in es and en, every committed file is
// what Asterisk plays natively (8 kHz mono 16-bit PCM), and `npm run sounds` makes missing ones.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import mainFlow from '../../../flows/main.flow.ts';
import campaignFlow from '../../../flows/campaign.flow.ts';
import { announcementMedia } from '../../../src/acd/announce.ts';
import { queuePrompts } from '../../../src/acd/prompts.ts';
import { BEEP_PROMPT } from '../../../src/flow-dsl/playable.ts';
import { DIGIT_PROMPTS, numberPrompts } from '../../../src/flow-dsl/say.ts';
import { flowLanguages, flowPrompts } from '../../../src/flow-dsl/validate.ts';
import { createSoundLibrary } from '../../../src/sim/sounds.ts';

const run = promisify(execFile);

/** Reads the fmt chunk of a RIFF/WAVE file. */
function wavFormat(buf: Buffer): { format: number; channels: number; rate: number; bits: number } {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  for (let off = 12; off + 8 <= buf.length; ) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') return { format: buf.readUInt16LE(off + 8), channels: buf.readUInt16LE(off + 10), rate: buf.readUInt32LE(off + 12), bits: buf.readUInt16LE(off + 22) };
    off += 8 + size + (size % 2);
  }
  throw new Error('no fmt chunk');
}

const manifest = parse(readFileSync('sounds/prompts.yaml', 'utf8')) as { prompts: Record<string, Record<string, string>> };

describe('shipped prompts', () => {
  it('every prompt of the shipped flows is in the manifest, in es and en, and recorded', () => {
    for (const flow of [mainFlow, campaignFlow]) {
      expect(flowLanguages(flow).sort()).toEqual(['en', 'es']);
      for (const id of flowPrompts(flow)) {
        expect(Object.keys(manifest.prompts[id] ?? {}).sort(), `prompt ${id}`).toEqual(['en', 'es']);
        for (const lang of ['es', 'en']) expect(readdirSync(`sounds/${lang}`)).toContain(`${id}.wav`);
      }
    }
  });

  it('everything the ACD and Asterisk\'s read-outs can play is shipped in es and en, and the simulated PBX plays it', () => {
    const manifestAll = manifest as typeof manifest & { tones?: Record<string, unknown> };
    const acd = queuePrompts({ announce: { position: true, estimatedWait: true } });
    const lib = createSoundLibrary({ soundsDir: 'sounds' });
    for (const lang of ['es', 'en']) {
      for (const id of [...acd.prompts, ...numberPrompts(lang), ...DIGIT_PROMPTS, BEEP_PROMPT]) {
        expect(existsSync(`sounds/${lang}/${id}.wav`), `sounds/${lang}/${id}.wav`).toBe(true);
        expect(manifest.prompts[id]?.[lang] ?? manifestAll.tones?.[id], `${id} (${lang}) in prompts.yaml`).toBeDefined();
      }
      // The announcements a caller hears play for their length instead of failing (dead air).
      for (const position of [1, 4]) for (const media of announcementMedia({ position, estimatedWaitSec: 30, sayPosition: true, sayEstimatedWait: true })) {
        if (media.startsWith('sound:')) expect(lib.lengthOf(media, lang).kind, `${media} in ${lang}`).toBe('ms');
      }
    }
  });

  it('every committed file is 8 kHz mono 16-bit PCM', () => {
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.wav') ? [join(d, e.name)] : []));
    const files = ['es', 'en'].flatMap((lang) => walk(`sounds/${lang}`));
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) expect(wavFormat(readFileSync(f)), f).toEqual({ format: 1, channels: 1, rate: 8000, bits: 16 });
  });
});

describe('npm run sounds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'centralita-sounds-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sounds = async (...args: string[]) => {
    try {
      const r = await run(process.execPath, ['src/tools/sounds.ts', `--dir=${dir}`, ...args]);
      return { code: 0, out: r.stdout + r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, out: err.stdout + err.stderr };
    }
  };

  it('generates missing prompts, keeps existing ones, and --check reports what is missing or wrong', async () => {
    writeFileSync(join(dir, 'prompts.yaml'), 'voices:\n  es: es-419\n  en: en-us\nprompts:\n  hi:\n    es: Hola.\n    en: Hello.\n');
    const first = await sounds();
    expect(first.code).toBe(0);
    expect(first.out).toContain('2 made, 0 kept, 0 problem(s)');
    for (const lang of ['es', 'en']) expect(wavFormat(readFileSync(join(dir, lang, 'hi.wav')))).toEqual({ format: 1, channels: 1, rate: 8000, bits: 16 });
    expect((await sounds()).out).toContain('0 made, 2 kept');
    expect((await sounds('--check')).code).toBe(0);

    unlinkSync(join(dir, 'en', 'hi.wav'));
    const missing = await sounds('--check');
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(`${join(dir, 'en', 'hi.wav')}: missing`);

    // A "professional recording" at 44.1 kHz stereo is flagged, then converted.
    mkdirSync(join(dir, 'en'), { recursive: true });
    await run('sox', ['-n', '-r', '44100', '-c', '2', '-b', '16', join(dir, 'en', 'hi.wav'), 'trim', '0', '0.2']);
    const wrong = await sounds('--check');
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('44100 Hz, 2 ch');
    expect((await sounds('--convert')).code).toBe(0);
    expect(wavFormat(readFileSync(join(dir, 'en', 'hi.wav')))).toEqual({ format: 1, channels: 1, rate: 8000, bits: 16 });
  });

  it('makes ids with a folder (digits/7) and tones (the beep) in every language', async () => {
    writeFileSync(join(dir, 'prompts.yaml'), 'voices:\n  es: es-419\n  en: en-us\nprompts:\n  digits/1M:\n    es: un\ntones:\n  beep: { hz: 1000, seconds: 0.25 }\n');
    const r = await sounds();
    expect(r.out).toContain('3 made');
    expect(wavFormat(readFileSync(join(dir, 'es', 'digits', '1M.wav')))).toEqual({ format: 1, channels: 1, rate: 8000, bits: 16 });
    for (const lang of ['es', 'en']) expect(wavFormat(readFileSync(join(dir, lang, 'beep.wav')))).toEqual({ format: 1, channels: 1, rate: 8000, bits: 16 });
  });

  it('says in one line how to install espeak-ng and sox when they are missing, without a stack trace', async () => {
    writeFileSync(join(dir, 'prompts.yaml'), 'voices:\n  es: es-419\nprompts:\n  not-made-yet:\n    es: Hola.\n');
    const r = await run(process.execPath, ['src/tools/sounds.ts', `--dir=${dir}`], { env: { PATH: '/nonexistent' } }).then(
      (x) => ({ code: 0, out: x.stdout + x.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }));
    expect(r.code).toBe(1);
    expect(r.out.trim()).toBe('npm run sounds: espeak-ng is not installed; it is needed to make 1 missing prompt file(s). Install espeak-ng and sox: sudo apt-get install espeak-ng sox (Debian/Ubuntu), brew install espeak-ng sox (macOS)');
  });
});

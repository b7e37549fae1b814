import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentWav, wavDurationMs } from '../../../src/sim/wav.ts';
import { createSoundLibrary } from '../../../src/sim/sounds.ts';
import { parseCallerId, patternRegex, ariTime } from '../../../src/sim/pbx.ts';

const dir = mkdtempSync(join(tmpdir(), 'sim-media-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAV', () => {
  it('writes 8 kHz mono 16-bit silence whose header gives back its length', () => {
    const w = silentWav(2560);
    expect(w.length).toBe(44 + 2560 * 16);
    expect(wavDurationMs(w)).toBe(2560);
    expect(wavDurationMs(Buffer.from('not a wav file at all'))).toBeUndefined();
  });
  it('handles a streaming header (data size 0xFFFFFFFF) from the bytes present', () => {
    const w = silentWav(1000);
    w.writeUInt32LE(0xffffffff, 40);
    expect(wavDurationMs(w)).toBe(1000);
  });
});

describe('sound library', () => {
  mkdirSync(join(dir, 'es'), { recursive: true });
  mkdirSync(join(dir, 'en'), { recursive: true });
  writeFileSync(join(dir, 'es', 'menu.wav'), silentWav(3100));
  writeFileSync(join(dir, 'en', 'menu.wav'), silentWav(2900));
  writeFileSync(join(dir, 'en', 'only-en.wav'), silentWav(700));
  const lib = createSoundLibrary({ soundsDir: dir, declared: { beep: 300 }, recordingLength: (n) => (n === 'msg' ? 4000 : undefined) });

  it('reads lengths from the WAV headers per language, falling back to en', () => {
    expect(lib.lengthOf('sound:menu', 'es')).toEqual({ kind: 'ms', ms: 3100 });
    expect(lib.lengthOf('sound:menu', 'en')).toEqual({ kind: 'ms', ms: 2900 });
    expect(lib.lengthOf('sound:only-en', 'es')).toEqual({ kind: 'ms', ms: 700 });
    expect(lib.lengthOf('sound:beep', 'xx')).toEqual({ kind: 'ms', ms: 300 });
  });
  it('tells missing, never-ending and unsupported media apart', () => {
    expect(lib.lengthOf('sound:nope', 'en')).toEqual({ kind: 'missing' });
    expect(lib.lengthOf('recording:msg', 'en')).toEqual({ kind: 'ms', ms: 4000 });
    expect(lib.lengthOf('recording:other', 'en')).toEqual({ kind: 'missing' });
    expect(lib.lengthOf('tone:ring', 'en')).toEqual({ kind: 'forever' });
    expect(lib.lengthOf('nosuchscheme:foo', 'en')).toEqual({ kind: 'unsupported' });
    expect(lib.lengthOf('digits:123', 'en')).toEqual({ kind: 'ms', ms: 1800 });
    expect(lib.lengthOf('number:abc', 'en')).toEqual({ kind: 'missing' });
  });
  it('lists sounds from the directory and the declared ones', () => {
    const ids = lib.list().map((s) => s.id).sort();
    expect(ids).toEqual(['beep', 'menu', 'only-en']);
    expect(lib.list().find((s) => s.id === 'menu')?.formats.map((f) => f.language).sort()).toEqual(['en', 'es']);
  });
});

describe('dialplan patterns, caller ids, timestamps', () => {
  it('matches Asterisk extension patterns', () => {
    expect(patternRegex('X.').test('6015550100')).toBe(true);
    expect(patternRegex('X.').test('6')).toBe(false);
    expect(patternRegex('X!').test('6')).toBe(true);
    expect(patternRegex('NXXNXXXXXX').test('6011550100')).toBe(false);
    expect(patternRegex('NXXNXXXXXX').test('6025550100')).toBe(true);
    expect(patternRegex('+57[3]X.').test('+573001234567')).toBe(true);
    expect(patternRegex('+57[3]X.').test('+576011234567')).toBe(false);
  });
  it('parses caller ids the way callers write them', () => {
    expect(parseCallerId('"Lab Caller" <5551000>')).toEqual({ name: 'Lab Caller', number: '5551000' });
    expect(parseCallerId('Queue <600>')).toEqual({ name: 'Queue', number: '600' });
    expect(parseCallerId('+573001112233')).toEqual({ name: '', number: '+573001112233' });
    expect(parseCallerId(undefined)).toEqual({ name: '', number: '' });
  });
  it('formats timestamps like Asterisk', () => {
    expect(ariTime(Date.UTC(2026, 10, 24, 1, 28, 22, 848))).toBe('2026-11-24T01:28:22.848+0000');
  });
});

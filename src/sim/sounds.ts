// How long media lasts in the simulated PBX. A prompt lasts the real length of its WAV
// (sounds/<lang>/<id>.wav) or a declared length; unknown sounds fail the playback exactly
// as Asterisk does (PlaybackStarted then PlaybackFinished "failed").
import { readdirSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { wavDurationMs } from './wav.ts';

export type MediaLength =
  | { kind: 'ms'; ms: number }
  /** Plays until stopped (tones without a duration). */
  | { kind: 'forever' }
  /** The file does not exist: the playback fails at once. */
  | { kind: 'missing' }
  /** Asterisk accepts the URI but never finishes it (unknown scheme). */
  | { kind: 'unsupported' };

export interface SoundLibrary {
  /** Length of one media URI for a language. */
  lengthOf(mediaUri: string, language: string): MediaLength;
  /** Sounds known (GET /sounds). */
  list(): { id: string; formats: { language: string; format: string }[] }[];
  /** Declares (or overrides) the length of a sound in ms. */
  declare(id: string, ms: number, language?: string): void;
}

export interface SoundLibraryOptions {
  soundsDir?: string;
  /** id -> ms (any language), e.g. { 'hello-world': 2600 }. */
  declared?: Record<string, number>;
  /** Length of a stored recording by name (recording: URIs). */
  recordingLength?: (name: string) => number | undefined;
}

function headerDuration(path: string): number | undefined {
  // Only the header is needed; read the first 4 KiB rather than a whole long prompt.
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const size = statSync(path).size;
    const d = wavDurationMs(buf.subarray(0, n));
    if (d !== undefined) return d;
    // Header without a usable data size: derive from the file size (8 kHz 16-bit mono).
    return size > 44 ? Math.round(((size - 44) / 16000) * 1000) : undefined;
  } finally {
    closeSync(fd);
  }
}

export function createSoundLibrary(opts: SoundLibraryOptions = {}): SoundLibrary {
  const declared = new Map<string, number>(); // key `${lang}/${id}` or `*/${id}`
  for (const [id, ms] of Object.entries(opts.declared ?? {})) declared.set(`*/${id}`, ms);
  const fileCache = new Map<string, number | null>();

  function fromDir(id: string, lang: string): number | undefined {
    if (!opts.soundsDir) return undefined;
    const key = `${lang}/${id}`;
    const cached = fileCache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let found: number | undefined;
    for (const p of [join(opts.soundsDir, lang, `${id}.wav`), join(opts.soundsDir, `${id}.wav`)]) {
      try {
        found = headerDuration(p);
        if (found !== undefined) break;
      } catch {
        // not there: try the next candidate
      }
    }
    fileCache.set(key, found ?? null);
    return found;
  }

  function soundMs(id: string, lang: string): number | undefined {
    // Asterisk falls back to the default language when the requested one lacks the file.
    for (const l of [lang, 'en']) {
      const d = declared.get(`${l}/${id}`) ?? fromDir(id, l);
      if (d !== undefined) return d;
    }
    return declared.get(`*/${id}`);
  }

  return {
    lengthOf(uri, language) {
      const colon = uri.indexOf(':');
      const scheme = colon < 0 ? '' : uri.slice(0, colon);
      const rest = colon < 0 ? uri : uri.slice(colon + 1);
      switch (scheme) {
        case 'sound': {
          const ms = soundMs(rest, language);
          return ms === undefined ? { kind: 'missing' } : { kind: 'ms', ms };
        }
        case 'recording': {
          const ms = opts.recordingLength?.(rest);
          return ms === undefined ? { kind: 'missing' } : { kind: 'ms', ms };
        }
        case 'digits':
          return { kind: 'ms', ms: Math.max(1, rest.length) * 600 };
        case 'characters':
          return { kind: 'ms', ms: Math.max(1, rest.length) * 650 };
        case 'number':
          return /^-?\d+$/.test(rest) ? { kind: 'ms', ms: Math.max(1, String(Math.abs(Number(rest))).length) * 700 } : { kind: 'missing' };
        case 'tone':
          return { kind: 'forever' };
        default:
          return { kind: 'unsupported' };
      }
    },
    list() {
      const byId = new Map<string, Set<string>>();
      for (const k of declared.keys()) {
        const [lang, id] = k.split('/') as [string, string];
        const s = byId.get(id) ?? new Set<string>();
        s.add(lang === '*' ? 'en' : lang);
        byId.set(id, s);
      }
      if (opts.soundsDir) {
        try {
          for (const entry of readdirSync(opts.soundsDir, { withFileTypes: true })) {
            if (entry.isDirectory()) {
              for (const f of readdirSync(join(opts.soundsDir, entry.name))) {
                if (!f.endsWith('.wav')) continue;
                const id = f.slice(0, -4);
                const s = byId.get(id) ?? new Set<string>();
                s.add(entry.name);
                byId.set(id, s);
              }
            } else if (entry.name.endsWith('.wav')) {
              const id = entry.name.slice(0, -4);
              const s = byId.get(id) ?? new Set<string>();
              s.add('en');
              byId.set(id, s);
            }
          }
        } catch {
          // no sounds dir: only declared sounds
        }
      }
      return [...byId.entries()].map(([id, langs]) => ({ id, formats: [...langs].map((language) => ({ language, format: 'slin' })) }));
    },
    declare(id, ms, language) {
      declared.set(`${language ?? '*'}/${id}`, ms);
    },
  };
}

/** Reads a whole WAV's duration (used for stored recordings). */
export function fileDurationMs(path: string): number | undefined {
  try {
    return wavDurationMs(readFileSync(path));
  } catch {
    return undefined;
  }
}

// Calls in progress, on local disk (issue 14): one small file per live call in
// DATA_DIR/live-calls, written when its flow starts and removed once its record is
// published. A process that is SIGKILLed mid-call leaves them behind; the next start turns
// each into a record ("interrupted by a restart") and hands the channel back to the
// dialplan, so no call goes unrecorded and no caller is left in Stasis hearing nothing.
// Not fsync'd: a killed process's writes survive in the page cache; only power loss could
// lose one, and then the PBX lost the call too.
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallInput } from './contract.ts';

export interface LiveCallEntry {
  input: CallInput;
  flow?: { id: string; version: string };
  /** Set by the early rescue (src/calls/early-hand-back.ts): the channel was already handed back; only the record is left to write. */
  handedBack?: boolean;
}

export interface LiveCallJournal {
  started(e: LiveCallEntry): void;
  ended(channelId: string): void;
  /** What a previous process left (calls it never recorded). */
  leftovers(): LiveCallEntry[];
  /** The early rescue handed the channel back: the entry stays until its record is published. */
  markHandedBack(channelId: string): void;
}

const fileOf = (dir: string, channelId: string) => join(dir, `${encodeURIComponent(channelId)}.json`);

export function createLiveCallJournal(dir: string, onError: (err: unknown, channelId: string) => void = () => {}): LiveCallJournal {
  mkdirSync(dir, { recursive: true });
  return {
    started(e) {
      try { writeFileSync(fileOf(dir, e.input.channelId), JSON.stringify(e)); } catch (err) { onError(err, e.input.channelId); }
    },
    ended(channelId) {
      try { unlinkSync(fileOf(dir, channelId)); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(err, channelId); }
    },
    leftovers() {
      const out: LiveCallEntry[] = [];
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('.json')) continue;
        try {
          const e = JSON.parse(readFileSync(join(dir, f), 'utf8')) as LiveCallEntry;
          if (typeof e?.input?.channelId === 'string') out.push(e);
          else unlinkSync(join(dir, f));
        } catch {
          // A torn file (killed mid-write) names no call we could record.
          try { unlinkSync(join(dir, f)); } catch {}
        }
      }
      return out;
    },
    markHandedBack(channelId) {
      const f = fileOf(dir, channelId);
      try {
        const e = JSON.parse(readFileSync(f, 'utf8')) as LiveCallEntry;
        writeFileSync(f, JSON.stringify({ ...e, handedBack: true }));
      } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(err, channelId); }
    },
  };
}

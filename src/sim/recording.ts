// Recording: live recordings of a channel (queued on its control queue) or a bridge's mix
// (at once), their state machine (recording, paused, done, canceled, failed), maxDuration and
// silence detection, and the stored recordings on disk (silent WAVs of the right length).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimerHandle } from './clock.ts';
import { AriError, type Bridge, type Chan, type Ctx, type LiveRecording, type Snapshot } from './model.ts';
import { bridgeRecipients, chanRecipients, deliver, note, now, recordingJson, ts } from './core.ts';
import { enqueue } from './control-queue.ts';
import { trackHearing } from './hearing.ts';
import { silentWav, wavDurationMs } from './wav.ts';

const RECORDING_FORMATS = new Set(['wav', 'wav16', 'ulaw', 'alaw', 'gsm', 'sln', 'slin', 'slin16', 'g722', 'g729', 'WAV', 'wav49', 'ogg', 'h264']);

const FRAME_MS = 20;
/** __ast_play_and_record: two ast_waitfor(chan, 2000) without a frame end a recording. */
const NO_AUDIO_MS = 4000;

/**
 * maxDurationSeconds as Asterisk applies it: with time() in whole seconds, the recording stops at
 * the first frame where (seconds now - seconds at start - paused seconds) > max, i.e. on a
 * wall-clock second boundary between max and max + 1 s after the start (traced).
 */
function armMaxDuration(x: Ctx, r: LiveRecording, maxSec: number, stop: () => void): void {
  const startSec = Math.floor(r.startedAt / 1000);
  const check = () => {
    if (r.pausedAt !== undefined) {
      r.maxTimer = x.clock.setTimer(FRAME_MS, check);
      return;
    }
    const pausedSec = Math.round(r.pausedTotal / 1000);
    const endAt = (startSec + maxSec + 1 + pausedSec) * 1000;
    const wait = endAt - now(x);
    if (wait <= 0) return stop();
    r.maxTimer = x.clock.setTimer(wait, check);
  };
  check();
}

export type RecordQuery = { name?: string; format?: string; maxDurationSeconds?: number; maxSilenceSeconds?: number; ifExists?: string; beep?: boolean; terminateOn?: string };

function safeList(x: Ctx): { name: string; format: string }[] {
  try {
    return readdirSync(x.recordingsDir)
      .filter((f) => f.includes('.'))
      .map((f) => ({ name: f.slice(0, f.lastIndexOf('.')), format: f.slice(f.lastIndexOf('.') + 1) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}
function storedPath(x: Ctx, name: string): string | undefined {
  for (const f of safeList(x)) if (f.name === name) return join(x.recordingsDir, `${f.name}.${f.format}`);
  return undefined;
}
function validRecordingName(name: string): boolean {
  return !name.includes('..') && !name.startsWith('/') && !name.includes('\\');
}
export function storedDurationMs(x: Ctx, name: string): number | undefined {
  const f = safeList(x).find((s) => s.name === name);
  if (!f) return undefined;
  const path = join(x.recordingsDir, `${f.name}.${f.format}`);
  try {
    if (f.format.startsWith('wav')) return wavDurationMs(readFileSync(path));
    return Math.round(statSync(path).size / 8);
  } catch {
    return undefined;
  }
}
function writeRecording(x: Ctx, name: string, format: string, ms: number): void {
  for (const f of safeList(x)) if (f.name === name) rmSync(join(x.recordingsDir, `${f.name}.${f.format}`), { force: true });
  const path = join(x.recordingsDir, `${name}.${format}`);
  mkdirSync(join(path, '..'), { recursive: true });
  if (format === 'wav' || format === 'wav16') writeFileSync(path, silentWav(ms));
  else writeFileSync(path, Buffer.alloc(Math.round(ms * 8), format === 'ulaw' ? 0xff : format === 'alaw' ? 0xd5 : 0));
}

/** Records a channel (queued behind its running command) or a bridge's mix (at once). */
export function record(x: Ctx, target: { channel?: Chan; bridge?: Bridge }, q: RecordQuery): Snapshot {
  if (!q.name) throw new AriError(500, 'Error parsing request');
  if (!validRecordingName(q.name)) throw new AriError(400, 'Invalid recording name');
  if (!q.format || !RECORDING_FORMATS.has(q.format)) throw new AriError(422, 'specified format is unknown on this system');
  const ifExists = q.ifExists ?? 'fail';
  if (!['fail', 'overwrite', 'append'].includes(ifExists)) throw new AriError(400, `ifExists invalid: ${ifExists}`);
  const terminateOn = q.terminateOn ?? 'none';
  if (!/^(none|any|[0-9*#]+)$/.test(terminateOn)) throw new AriError(400, `terminateOn invalid: ${terminateOn}`);
  if (x.liveRecordings.has(q.name)) throw new AriError(409, `Recording '${q.name}' already exists and can not be overwritten`);
  if (ifExists === 'fail' && storedPath(x, q.name)) throw new AriError(409, `Recording '${q.name}' already exists and can not be overwritten`);
  const c = target.channel;
  const b = target.bridge;
  const recipients = () => (c ? chanRecipients(x, c) : b ? bridgeRecipients(x, b) : new Set<string>());
  const r: LiveRecording = {
    name: q.name, format: q.format, targetUri: c ? `channel:${c.id}` : `bridge:${b!.id}`, channel: c, bridge: b, state: 'queued', startedAt: 0, pausedTotal: 0,
    terminateOn: terminateOn === 'none' ? '' : terminateOn, muted: false,
  };
  x.liveRecordings.set(r.name, r);
  const snap = recordingJson(r);
  const maxSec = q.maxDurationSeconds && q.maxDurationSeconds > 0 ? q.maxDurationSeconds : 0;
  const silenceMs = q.maxSilenceSeconds && q.maxSilenceSeconds > 0 ? q.maxSilenceSeconds * 1000 : Infinity;
  const priorMs = ifExists === 'append' ? (storedDurationMs(x, r.name) ?? 0) : 0;
  const beepMs = q.beep ? 300 : 0;
  const start = (done: () => void): (() => void) => {
    let over = false;
    let silenceTimer: TimerHandle | undefined;
    let trimMs = 0;
    const finish = (how: 'done' | 'canceled') => {
      if (over) return;
      over = true;
      if (r.maxTimer) x.clock.clearTimer(r.maxTimer);
      x.clock.clearTimer(silenceTimer);
      const paused = r.pausedTotal + (r.pausedAt !== undefined ? now(x) - r.pausedAt : 0);
      // Silence that ended the recording is trimmed from it, as Asterisk does; a channel that
      // was hung up records nothing.
      const ms = noAudio ? 0 : Math.max(0, now(x) - r.startedAt - paused - trimMs);
      r.state = how === 'canceled' ? 'canceled' : 'done';
      x.liveRecordings.delete(r.name);
      if (c?.recording === r) c.recording = undefined;
      if (b) x.bridgeRecordings.delete(r);
      // Cancel discards the file; stop keeps it (append adds to what was there).
      if (how === 'done') writeRecording(x, r.name, r.format, priorMs + ms);
      if (c) note(x, c, { at: now(x), kind: 'recorded', name: r.name });
      deliver(x, recipients(), { type: 'RecordingFinished', timestamp: ts(x), recording: recordingJson(r, Math.floor(ms / 1000)) });
      done();
    };
    r.finish = finish;
    r.state = 'recording';
    r.shownState = undefined;
    r.startedAt = now(x) + beepMs;
    if (c) c.recording = r;
    if (b) x.bridgeRecordings.add(r);
    if (c) trackHearing(x, c);
    deliver(x, recipients(), { type: 'RecordingStarted', timestamp: ts(x), recording: recordingJson(r) });
    // A hung-up channel (Stasis running its queue) gets no audio: Asterisk waits twice 2 s, then gives up.
    const noAudio = c?.dying === true;
    if (noAudio) {
      r.maxTimer = x.clock.setTimer(NO_AUDIO_MS, () => finish('done'));
      return () => finish('done');
    }
    if (maxSec) armMaxDuration(x, r, maxSec, () => finish('done'));
    if (c && Number.isFinite(silenceMs)) {
      // maxSilenceSeconds: the far end is silent unless it speaks (control speak) or, for a
      // Local half, its peer is playing something.
      let lastSound = r.startedAt;
      const check = () => {
        const t = now(x);
        const until = c.farEnd?.speakingUntil ?? 0;
        if (until > lastSound) lastSound = Math.min(t, until);
        if (c.peer?.playback?.state === 'playing' || until > t) lastSound = t;
        if (r.state === 'recording' && t - lastSound >= silenceMs) {
          trimMs = silenceMs;
          finish('done');
          return;
        }
        silenceTimer = x.clock.setTimer(Math.max(1, lastSound + silenceMs - t), check);
      };
      silenceTimer = x.clock.setTimer(silenceMs + beepMs, check);
    }
    return () => finish('done');
  };
  if (!c) {
    start(() => undefined);
    return snap;
  }
  enqueue(c, {
    run: start,
    dead() {
      x.liveRecordings.delete(r.name);
      r.state = 'failed';
      deliver(x, recipients(), { type: 'RecordingFailed', timestamp: ts(x), recording: { ...recordingJson(r), cause: 'Channel hung up' } });
    },
  });
  return snap;
}

/** Pause and mute need a recording in progress. */
function inSession(x: Ctx, name: string): LiveRecording {
  const r = liveRecording(x, name);
  if (r.state === 'queued') throw new AriError(409, 'Recording not in session');
  return r;
}

function liveRecording(x: Ctx, name: string): LiveRecording {
  const r = x.liveRecordings.get(name);
  if (!r) throw new AriError(404, 'Recording not found');
  return r;
}
function stored(x: Ctx, name: string): { name: string; format: string } {
  const f = safeList(x).find((s) => s.name === name);
  if (!f) throw new AriError(404, 'Recording not found');
  return f;
}

export function recordingOps(x: Ctx) {
  return {
    getLiveRecording: (name: string) => recordingJson(liveRecording(x, name)),
    /**
     * Stop or cancel a queued recording: Asterisk marks it canceled (GET says so) and still
     * records when its turn comes (traced). Otherwise it ends now.
     */
    stopRecording(name: string) {
      const r = liveRecording(x, name);
      if (r.state === 'queued') r.shownState = 'canceled';
      else r.finish?.('done');
    },
    cancelRecording(name: string) {
      const r = liveRecording(x, name);
      if (r.state === 'queued') r.shownState = 'canceled';
      else r.finish?.('canceled');
    },
    pauseRecording(name: string, on: boolean) {
      const r = inSession(x, name);
      if (on && r.pausedAt === undefined) {
        r.pausedAt = now(x);
        r.state = 'paused';
      } else if (!on && r.pausedAt !== undefined) {
        r.pausedTotal += now(x) - r.pausedAt;
        r.pausedAt = undefined;
        r.state = 'recording';
      }
    },
    muteRecording(name: string, on: boolean) {
      inSession(x, name).muted = on;
    },
    listStored: () => safeList(x),
    getStored: (name: string) => stored(x, name),
    storedFile(name: string): { data: Buffer; contentType: string } {
      const f = stored(x, name);
      const data = readFileSync(join(x.recordingsDir, `${f.name}.${f.format}`));
      return { data, contentType: f.format.startsWith('wav') ? 'audio/wav' : 'application/octet-stream' };
    },
    deleteStored(name: string) {
      const f = stored(x, name);
      rmSync(join(x.recordingsDir, `${f.name}.${f.format}`), { force: true });
    },
    copyStored(name: string, dest: string | undefined) {
      if (!dest) throw new AriError(400, 'Required parameter destinationRecordingName not provided');
      const f = stored(x, name);
      if (!validRecordingName(dest)) throw new AriError(400, 'Invalid destination recording name');
      if (safeList(x).some((s) => s.name === dest)) throw new AriError(409, 'A recording with the same name already exists on the system');
      copyFileSync(join(x.recordingsDir, `${f.name}.${f.format}`), join(x.recordingsDir, `${dest}.${f.format}`));
      return { name: dest, format: f.format };
    },
    storedDurationMs: (name: string) => storedDurationMs(x, name),
    recordingPath(name: string): string | undefined {
      const p = storedPath(x, name);
      return p && existsSync(p) ? p : undefined;
    },
  };
}

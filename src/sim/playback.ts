// Media playback on a channel (queued on its control queue) or a bridge (at once): media
// lists, pause/unpause/skip, stop, and the failures Asterisk reports (see the traces).
import { AriError, type Bridge, type Chan, type Ctx, type Playback, type Snapshot } from './model.ts';
import { bridgeRecipients, chanRecipients, deliver, note, now, playbackJson, ts, uuid } from './core.ts';
import { enqueue } from './control-queue.ts';
import { mediaTo } from './lifecycle.ts';
import { trackBridge, trackHearing } from './hearing.ts';

function emitPlayback(x: Ctx, p: Playback, type: string): void {
  const rec = p.channel ? chanRecipients(x, p.channel) : p.bridge ? bridgeRecipients(x, p.bridge) : new Set<string>();
  deliver(x, rec, { type, timestamp: ts(x), playback: playbackJson(p) });
}

function startPlayback(x: Ctx, p: Playback, done: () => void): () => void {
  let finished = false;
  const end = (state: 'done' | 'failed') => {
    if (finished) return;
    finished = true;
    if (p.timer) x.clock.clearTimer(p.timer);
    p.state = state;
    if (p.transcriptEntry) p.transcriptEntry.outcome = state === 'done' && p.remaining > 0 && now(x) - p.itemStarted < p.itemLength ? 'stopped' : state;
    x.playbacks.delete(p.id);
    emitPlayback(x, p, 'PlaybackFinished');
    if (p.channel) trackHearing(x, p.channel);
    if (p.bridge) trackBridge(x, p.bridge.channels);
    done();
  };
  p.finish = () => end('done');
  const playItem = () => {
    const uri = p.media[p.idx]!;
    p.state = 'playing';
    emitPlayback(x, p, 'PlaybackStarted');
    const len = x.sounds.lengthOf(uri, p.language);
    p.itemStarted = now(x);
    // The peer of a Local half now gets voice frames.
    if (p.channel) mediaTo(x, p.channel);
    if (p.channel) {
      p.transcriptEntry = { at: now(x), kind: 'prompt', media: uri, playbackId: p.id, durationMs: 0, outcome: 'playing' };
      note(x, p.channel, p.transcriptEntry);
    } else if (p.bridge) {
      // Everyone in the bridge hears an announcement played to it.
      for (const o of p.bridge.channels) note(x, o, { at: now(x), kind: 'prompt', media: uri, playbackId: p.id, durationMs: len.kind === 'ms' ? len.ms : 0, outcome: 'playing' });
    }
    if (len.kind === 'missing') return end('failed');
    if (len.kind === 'unsupported') {
      // Asterisk reports it started and never finishes it; the channel is not blocked.
      finished = true;
      done();
      return;
    }
    p.itemLength = len.kind === 'ms' ? len.ms : Infinity;
    p.remaining = p.idx === 0 ? Math.max(0, p.itemLength - p.offsetMs) : p.itemLength;
    arm();
  };
  const arm = () => {
    if (!Number.isFinite(p.remaining)) return;
    p.itemStarted = now(x) - (p.itemLength - p.remaining);
    p.timer = x.clock.setTimer(p.remaining, () => {
      p.timer = undefined;
      p.remaining = 0;
      // Played to the end: the far end heard the whole prompt (timer jitter is not media time).
      if (p.transcriptEntry) p.transcriptEntry.durationMs = p.itemLength;
      if (p.idx + 1 < p.media.length) {
        p.state = 'continuing';
        emitPlayback(x, p, 'PlaybackContinuing');
        p.idx++;
        playItem();
      } else end('done');
    });
  };
  p.arm = arm;
  playItem();
  return () => {
    if (p.transcriptEntry) p.transcriptEntry.durationMs = now(x) - p.transcriptEntry.at;
    end('failed');
  };
}

export function play(x: Ctx, target: { channel?: Chan; bridge?: Bridge }, media: string[], playbackId: string | undefined, lang: string | undefined, offsetMs = 0, skipMs = 3000): Snapshot {
  if (offsetMs < 0) throw new AriError(400, 'offsetms cannot be negative');
  if (skipMs < 0) throw new AriError(400, 'skipms cannot be negative');
  if (media.length === 0 || media.some((m) => m === '')) throw new AriError(500, 'Failed to queue media for playback');
  const id = playbackId ?? uuid();
  if (x.playbacks.has(id)) throw new AriError(409, 'Playback with given id already exists');
  const p: Playback = {
    id, media, idx: 0, language: lang ?? target.channel?.language ?? 'en', targetUri: target.channel ? `channel:${target.channel.id}` : `bridge:${target.bridge!.id}`,
    channel: target.channel, bridge: target.bridge, state: 'queued', itemStarted: 0, itemLength: 0, remaining: 0, offsetMs, skipMs,
  };
  x.playbacks.set(id, p);
  const snap = playbackJson(p);
  const c = target.channel;
  if (!c) {
    startPlayback(x, p, () => undefined);
    return snap;
  }
  enqueue(c, {
    run(done) {
      if (!x.playbacks.has(p.id)) {
        done();
        return;
      }
      if (c.dying) {
        // Stasis runs the queue of a hung-up channel: the playback starts and fails at once.
        p.state = 'playing';
        emitPlayback(x, p, 'PlaybackStarted');
        p.state = 'failed';
        x.playbacks.delete(p.id);
        emitPlayback(x, p, 'PlaybackFinished');
        done();
        return;
      }
      c.playback = p;
      return startPlayback(x, p, () => {
        if (c.playback === p) c.playback = undefined;
        done();
      });
    },
    dead() {
      // Queued behind a playback when the channel died: it starts and fails at once.
      p.state = 'playing';
      emitPlayback(x, p, 'PlaybackStarted');
      p.state = 'failed';
      x.playbacks.delete(p.id);
      emitPlayback(x, p, 'PlaybackFinished');
    },
  });
  return snap;
}

export function playbackOps(x: Ctx) {
  return {
    getPlayback(id: string) {
      const p = x.playbacks.get(id);
      if (!p) throw new AriError(404, 'Playback not found');
      return playbackJson(p);
    },
    stopPlayback(id: string): void {
      const p = x.playbacks.get(id);
      if (!p) throw new AriError(404, 'Playback not found');
      if (p.state === 'queued') {
        x.playbacks.delete(id);
        return;
      }
      p.finish?.();
    },
    controlPlayback(id: string, op: string): void {
      const p = x.playbacks.get(id);
      if (!p) throw new AriError(404, 'Playback not found');
      if (!['restart', 'pause', 'unpause', 'reverse', 'forward'].includes(op)) throw new AriError(400, `Invalid operation ${op}`);
      if (p.state === 'queued') throw new AriError(409, 'Playback not playing');
      const elapsed = () => now(x) - p.itemStarted;
      switch (op) {
        case 'pause':
          if (p.state !== 'playing') return;
          if (p.timer) x.clock.clearTimer(p.timer);
          p.timer = undefined;
          p.remaining = Math.max(0, p.itemLength - elapsed());
          p.state = 'paused';
          return;
        case 'unpause':
          if (p.state !== 'paused') return;
          p.state = 'playing';
          emitPlayback(x, p, 'PlaybackStarted');
          p.arm?.();
          return;
        default: {
          const pos = p.state === 'paused' ? p.itemLength - p.remaining : elapsed();
          const nextPos = op === 'restart' ? 0 : op === 'forward' ? Math.min(p.itemLength, pos + p.skipMs) : Math.max(0, pos - p.skipMs);
          p.remaining = p.itemLength - nextPos;
          if (p.state === 'playing') {
            if (p.timer) x.clock.clearTimer(p.timer);
            p.arm?.();
          }
        }
      }
    },
  };
}

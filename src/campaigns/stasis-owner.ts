// Dial only while someone can take the answered call (issue 14). A campaign call is originated
// straight into our Stasis app; if no process has the app's WebSocket when the callee answers,
// Asterisk's Stasis() fails and the callee is hung up on — an abandoned call, the one thing a
// dialler must not cause. The process that owns the Stasis app keeps a short-lived key in Redis
// while its ARI connection is up; diallers in any process (the app's own, `centralita worker`)
// hold new originations while the key is missing. Calls already on the line are not affected.
import type { Redis } from 'ioredis';
import type { Telephony } from '../telephony/port.ts';

export const STASIS_OWNER_KEY = 'centralita:stasis-owner';
const BEAT_MS = 1000;
const TTL_MS = 4000;

/** Beats while the telephony connection is up; the returned stop deletes the key (shutdown: dialling stops first). */
export function beatStasisOwner(redis: Redis, telephony: Telephony, onError: (err: unknown) => void = () => {}): () => Promise<void> {
  let connected = true; // the adapter connects before this runs
  const off = telephony.onEvent((e) => {
    if (e.type !== 'connection') return;
    connected = e.state === 'connected';
    if (!connected) void redis.del(STASIS_OWNER_KEY).catch(onError);
    else beat();
  });
  const beat = () => { if (connected) void redis.set(STASIS_OWNER_KEY, String(process.pid), 'PX', TTL_MS).catch(onError); };
  beat();
  const t = setInterval(beat, BEAT_MS);
  t.unref();
  return async () => {
    clearInterval(t);
    off();
    await redis.del(STASIS_OWNER_KEY).catch(onError);
  };
}

export function stasisOwnerAlive(redis: Redis): () => Promise<boolean> {
  return async () => (await redis.exists(STASIS_OWNER_KEY)) === 1;
}

// The server's clock in the browser: figures carry server timestamps, so timers tick from
// (local time + offset measured at each snapshot). One `now` signal, updated every second,
// drives every ticking value on the page.
import { signal } from '@preact/signals';

let offsetMs = 0;
export const now = signal(Date.now());

export function syncClock(serverTime: number): void {
  offsetMs = serverTime - Date.now();
  now.value = Date.now() + offsetMs;
}

export const serverNow = () => Date.now() + offsetMs;

setInterval(() => { now.value = Date.now() + offsetMs; }, 1000);

/** Seconds since `t` (server ms), by the ticking clock. */
export const since = (t: number | null | undefined): number | null => (t ? Math.max(0, (now.value - t) / 1000) : null);

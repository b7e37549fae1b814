// PBX-boundary latency: when the simulator sends an event about a channel and when it receives
// a command for that channel, in the simulator's own process (real time, performance.now()).
// A command's reaction latency is measured from the latest event sent about the same channel
// before it (DTMF -> stop/play, StasisStart -> answer, PlaybackFinished -> next prompt): what a
// caller waits for, whatever the app's internals. Off unless enabled; a few numbers per call.

export interface TimingSummary {
  enabled: boolean;
  events: number;
  commands: number;
  /** Commands with an earlier event on the same channel (the rest: originate, list...). */
  reactions: { count: number; p50: number; p90: number; p99: number; max: number };
  /** Per command route (`POST /channels/{channelId}/play`). */
  byCommand: Record<string, { count: number; p50: number; p99: number; max: number }>;
}

export interface Timings {
  readonly enabled: boolean;
  event(channelId: string | undefined): void;
  command(channelId: string | undefined, route: string): void;
  summary(): TimingSummary;
  /** Raw samples: [channelId, route, reaction ms] (for the bench to pair with its own view). */
  samples(): [string, string, number][];
  reset(): void;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[i]! * 1000) / 1000;
}

export function createTimings(enabled: boolean, now: () => number = () => performance.now()): Timings {
  let lastEvent = new Map<string, number>();
  let samples: [string, string, number][] = [];
  let events = 0;
  let commands = 0;
  return {
    enabled,
    event(channelId) {
      if (!enabled || !channelId) return;
      events++;
      lastEvent.set(channelId, now());
    },
    command(channelId, route) {
      if (!enabled) return;
      commands++;
      if (!channelId) return;
      const at = lastEvent.get(channelId);
      if (at === undefined) return;
      samples.push([channelId, route, now() - at]);
      // One reaction per event: a burst of commands answers the event once.
      lastEvent.delete(channelId);
    },
    summary() {
      const all = samples.map((s) => s[2]).sort((a, b) => a - b);
      const per = new Map<string, number[]>();
      for (const [, route, ms] of samples) {
        const list = per.get(route);
        if (list) list.push(ms);
        else per.set(route, [ms]);
      }
      const byCommand: TimingSummary['byCommand'] = {};
      for (const [route, list] of per) {
        list.sort((a, b) => a - b);
        byCommand[route] = { count: list.length, p50: quantile(list, 0.5), p99: quantile(list, 0.99), max: quantile(list, 1) };
      }
      return {
        enabled, events, commands,
        reactions: { count: all.length, p50: quantile(all, 0.5), p90: quantile(all, 0.9), p99: quantile(all, 0.99), max: quantile(all, 1) },
        byCommand,
      };
    },
    samples: () => samples.slice(),
    reset() {
      lastEvent = new Map();
      samples = [];
      events = 0;
      commands = 0;
    },
  };
}

// The built-in alerter: evaluates the alerting rules over the app's own metrics every
// interval (no Prometheus needed) and notifies on state changes only — one message when an
// alert starts firing (after its `for`), one when it resolves, a reminder every
// `repeatIntervalMs` while it stays firing. A failed notification is retried next round;
// it never stops the evaluation. Time and sampling are injected.
import { evaluate, type History, type Sample } from './promql.ts';
import { renderTemplate, type AlertRule } from './rules.ts';

export interface Alert {
  name: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number;
  /** ISO instants. */
  startsAt: string;
  endsAt?: string;
  fingerprint: string;
}

export interface AlertNotifier {
  name: string;
  send(alerts: Alert[]): Promise<void>;
}

export interface AlerterOptions {
  rules: AlertRule[];
  /** Current value of every series the rules read. */
  sample: () => Promise<Sample[]>;
  notifiers: AlertNotifier[];
  now: () => number;
  intervalMs: number;
  repeatIntervalMs?: number;
  /** Extra labels on every alert (e.g. instance). */
  externalLabels?: Record<string, string>;
  onError?: (err: unknown, where: string) => void;
}

/** `unsent`: notifiers that still owe this alert's current message (each retried on its own). */
interface State { rule: AlertRule; labels: Record<string, string>; activeSince: number; firing: boolean; value: number; lastSent?: number; unsent: Set<string>; annotations: Record<string, string> }

export interface Alerter {
  /** One evaluation round (tests call it directly; start() calls it every interval). */
  tick(): Promise<Alert[]>;
  start(timers?: { setInterval: typeof setInterval; clearInterval: typeof clearInterval }): void;
  stop(): Promise<void>;
  active(): Alert[];
  stats(): { evaluations: number; notificationsSent: number; notificationsFailed: number; evalErrors: number };
}

const fingerprintOf = (name: string, labels: Record<string, string>) => `${name}${JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]))}`;

export function createAlerter(o: AlerterOptions): Alerter {
  const history: History[] = [];
  const keep = Math.max(...o.rules.map((r) => r.lookbackMs), 300_000) + o.intervalMs;
  const states = new Map<string, State>();
  /** Resolved messages each notifier still owes. */
  const resolvedQueue = new Map<string, Alert[]>(o.notifiers.map((n) => [n.name, []]));
  const all = () => new Set(o.notifiers.map((n) => n.name));
  const counters = { evaluations: 0, notificationsSent: 0, notificationsFailed: 0, evalErrors: 0 };
  const repeat = o.repeatIntervalMs ?? 4 * 3600_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<unknown> | undefined;
  const iso = (t: number) => new Date(t).toISOString();

  const toAlert = (s: State, status: Alert['status'], at: number): Alert => ({
    name: s.rule.name, status, labels: s.labels, annotations: s.annotations, value: s.value, startsAt: iso(s.activeSince), fingerprint: fingerprintOf(s.rule.name, s.labels), ...(status === 'resolved' ? { endsAt: iso(at) } : {}),
  });

  /** Sends each notifier what it owes; what fails stays owed for the next round. */
  async function notify(at: number): Promise<Alert[]> {
    const sentAll: Alert[] = [];
    for (const n of o.notifiers) {
      const firing = [...states.values()].filter((s) => s.unsent.has(n.name));
      const resolved = resolvedQueue.get(n.name)!;
      const batch = [...firing.map((s) => toAlert(s, 'firing', at)), ...resolved];
      if (batch.length === 0) continue;
      try {
        await n.send(batch);
        counters.notificationsSent++;
        for (const s of firing) { s.unsent.delete(n.name); s.lastSent = at; }
        resolved.length = 0;
        if (sentAll.length === 0) sentAll.push(...batch);
      } catch (err) { counters.notificationsFailed++; o.onError?.(err, `notifier ${n.name}`); }
    }
    return sentAll;
  }

  async function tick(): Promise<Alert[]> {
    const at = o.now();
    const series = new Map<string, Sample>();
    try {
      for (const s of await o.sample()) series.set(JSON.stringify(s.labels), s);
    } catch (err) { counters.evalErrors++; o.onError?.(err, 'sampling metrics'); }
    history.push({ at, series });
    while (history.length && history[0]!.at < at - keep) history.shift();
    counters.evaluations++;

    const seen = new Set<string>();
    for (const rule of o.rules) {
      let result;
      try { result = evaluate(rule.ast, history, at); } catch (err) { counters.evalErrors++; o.onError?.(err, `rule ${rule.name}`); continue; }
      const vector = 'vector' in result ? result.vector : [];
      for (const s of vector) {
        const { __name__: _n, ...sampleLabels } = s.labels;
        const labels = { ...sampleLabels, ...rule.labels, ...(o.externalLabels ?? {}) };
        const fp = fingerprintOf(rule.name, labels);
        seen.add(fp);
        let st = states.get(fp);
        if (!st) states.set(fp, (st = { rule, labels, activeSince: at, firing: false, value: s.value, unsent: new Set(), annotations: {} }));
        st.value = s.value;
        st.annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, renderTemplate(v, labels, s.value)]));
        if (!st.firing && at - st.activeSince >= rule.forMs) { st.firing = true; st.unsent = all(); }
        else if (st.firing && st.lastSent !== undefined && st.unsent.size === 0 && at - st.lastSent >= repeat) st.unsent = all();
      }
    }
    for (const [fp, st] of states) {
      if (seen.has(fp)) continue;
      states.delete(fp);
      // Resolved: announced to each notifier that was told it fired (a pending alert, or
      // one a notifier never received, just goes away for that notifier).
      if (!st.firing) continue;
      const resolved = toAlert(st, 'resolved', at);
      for (const n of o.notifiers) if (!st.unsent.has(n.name)) resolvedQueue.get(n.name)!.push(resolved);
    }
    return notify(at);
  }

  return {
    tick,
    start(timers = { setInterval, clearInterval }) {
      if (timer) return;
      timer = timers.setInterval(() => {
        if (running) return; // a slow round (a notifier timing out) is never overlapped
        running = tick().catch((err: unknown) => o.onError?.(err, 'alert round')).finally(() => { running = undefined; });
      }, o.intervalMs);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    active: () => [...states.values()].filter((s) => s.firing).map((s) => toAlert(s, 'firing', o.now())),
    stats: () => ({ ...counters }),
  };
}

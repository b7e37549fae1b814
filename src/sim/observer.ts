// The small interface through which layers beside ARI (the AMI server in src/sim/ami) watch
// the channel core: what Asterisk's stasis message bus tells its other consumers (manager,
// CEL). The core calls `observe(x, ...)` at the few places where a channel is created,
// changes state or application, enters or leaves a bridge, dials, or ends; app_queue
// reports its own events here too. With no observer registered each call is a no-op.
import type { Chan, Ctx } from './model.ts';

export interface BridgeView {
  id: string;
  technology: string;
  /** The channels in the bridge after the change. */
  members: Chan[];
}

/** What app_queue reports (AMI class `agent`), in the simulator's terms. */
export type QueueObservation =
  | { type: 'join'; queue: string; caller: Chan; position: number; count: number }
  | { type: 'leave'; queue: string; caller: Chan; position: number; count: number }
  | { type: 'abandon'; queue: string; caller: Chan; position: number; originalPosition: number; holdTime: number }
  | { type: 'called'; queue: string; caller: Chan; member: QueueMemberView; dest: Chan }
  | { type: 'ringnoanswer'; queue: string; caller: Chan; member: QueueMemberView; dest: Chan; ringTime: number }
  | { type: 'connect'; queue: string; caller: Chan; member: QueueMemberView; dest: Chan; holdTime: number; ringTime: number }
  | { type: 'complete'; queue: string; caller: Chan; member: QueueMemberView; dest: Chan; holdTime: number; talkTime: number; reason: 'caller' | 'agent' }
  | { type: 'member'; event: 'QueueMemberAdded' | 'QueueMemberRemoved' | 'QueueMemberPause' | 'QueueMemberStatus'; queue: string; member: QueueMemberView };

export interface QueueMemberView {
  name: string;
  interface: string;
  stateInterface: string;
  membership: 'static' | 'dynamic';
  penalty: number;
  callsTaken: number;
  lastCall: number;
  lastPause: number;
  loginTime: number;
  inCall: boolean;
  /** AST_DEVICE_*: 1 not in use, 2 in use, 5 unavailable, 6 ringing. */
  status: number;
  paused: boolean;
  pausedReason: string;
  wrapupTime: number;
}

export interface ChannelObserver {
  created?(c: Chan): void;
  state?(c: Chan): void;
  /** The dialplan application changed (`prev` is what ran before). */
  app?(c: Chan, prev: { app: string; data: string }): void;
  bridge?(c: Chan, b: BridgeView, entered: boolean): void;
  /** A Dial (app_dial, originate) about `peer`; status '' = begin, RINGING, then the final status. */
  dial?(peer: Chan, status: string, dialstring: string, caller?: Chan): void;
  /** The channel is destroyed (CEL HANGUP + CHAN_END; AMI Hangup). */
  ended?(c: Chan, cause: number): void;
  queue?(e: QueueObservation): void;
}

type Hook = keyof ChannelObserver;
type Args<K extends Hook> = Parameters<NonNullable<ChannelObserver[K]>>;

export function observe<K extends Hook>(x: Ctx, hook: K, ...args: Args<K>): void {
  if (x.observers.length === 0) return;
  for (const o of x.observers) {
    const f = o[hook] as ((...a: Args<K>) => void) | undefined;
    if (!f) continue;
    try { f.apply(o, args); } catch (err) { x.warn('sim: observer failed', { hook, err: String(err) }); }
  }
}

// The ARI adapter's public shapes: its options, its connection status and the port it implements.
import type { Logger } from '../../logger.ts';
import type { Telephony } from '../port.ts';

export interface AriTelephonyOptions {
  url: string; // http(s)://host:port (Asterisk HTTP server)
  user: string;
  password: string;
  app: string;
  requestTimeoutMs: number;
  logger: Logger;
  /** Reconnect backoff: first delay and cap (ms). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** WebSocket ping interval to detect half-open sockets (ms); 0 disables. */
  pingIntervalMs?: number;
  /** Resolve the factory without waiting for the first connection (default false: wait up to the timeout, then keep retrying in the background). */
  waitForConnectionMs?: number;
  /**
   * Whether this process owns the Stasis application (opens its event WebSocket). Default true.
   * Asterisk keeps ONE WebSocket per application name: a second one replaces the first
   * (ApplicationReplaced), so processes that do not own calls (`centralita worker`) pass false
   * and use REST only; their readiness is a periodic `GET /asterisk/ping`.
   */
  events?: boolean;
  /** Concurrent REST connections to Asterisk (keep-alive). Default 32. */
  maxSockets?: number;
  /**
   * REST transport for commands: 'ari-client' (default: the official client, swagger-client/shred)
   * or 'http' (opt-in via ARI_REST_TRANSPORT=http: a lean node:http client with the same operation
   * names, ~1.6–2× less app CPU per command, see docs/stasis.md). ari-client always loads the API at connect.
   */
  rest?: 'http' | 'ari-client';
  /** Timing hook for benchmarks: called when an event arrives and when a command is sent. */
  probe?: (kind: 'event' | 'command', name: string, channelId: string | undefined, tMs: number, eventAt?: string) => void;
}

export interface AriStatus {
  connected: boolean;
  /** ISO instant of the last state change. */
  since: string;
  /** Connection attempts since the last successful connection. */
  attempts: number;
  state: 'connecting' | 'connected' | 'reconnecting' | 'closed';
  reconnects: number;
  lastError?: string;
}

export interface AriTelephony extends Telephony {
  close(): Promise<void>;
  status(): AriStatus;
  /** For /readyz: ok when the event socket is up. */
  readiness(): { name: string; check(): { ok: boolean; detail?: unknown } };
  /** Malformed events received (counted, the last 100 kept with their reason). */
  rejectedEvents(): { count: number; recent: { reason: string; type?: string; at: string; sample: string }[] };
  /** REST counters (metrics, leak checks). */
  restStats(): { inFlight: number; ok: number; failed: number; timedOut: number; events: number; rejected: number };
  /** Number of event handlers registered (leak checks). */
  handlerCount(): number;
  /** Drops the current socket (tests). */
  dropSocket(): void;
  /**
   * res_pjsip dynamic configuration over ARI (sorcery.conf puts `auth` on a writable wizard):
   * creates or replaces the auth object a softphone's REGISTER is checked against.
   */
  setSipAuth(id: string, username: string, password: string): Promise<void>;
  /** Endpoint events (registration: EndpointStateChange, ContactStatusChange) for `PJSIP/<name>`. */
  subscribeEndpoint(endpoint: string): Promise<void>;
  /** A res_pjsip endpoint's configuration as sorcery reports it (attribute → value); undefined when there is none. */
  sipEndpointConfig(name: string): Promise<Record<string, string> | undefined>;
}

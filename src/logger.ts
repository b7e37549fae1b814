// pino: JSON when stdout is not a TTY, pretty when it is. Secrets are removed from the
// serialized line, whatever their depth or encoding: by key (any `authorization`, `cookie`,
// `*password`, `*token`, `apiKey`… at any depth), by pattern (Basic/Bearer credentials, our API
// tokens, passwords in URLs and query strings) and by value (every configured secret, raw,
// JSON-escaped, URL-encoded and Base64), so a token pasted into a message never reaches the output.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'password', '*.password', 'ariPassword', '*.ariPassword', 'token', '*.token', 'accessToken', '*.accessToken',
  'secretAccessKey', '*.secretAccessKey', 'accessKeyId', '*.accessKeyId', 'authorization', '*.authorization',
  'headers.authorization', '*.headers.authorization', 'req.headers.authorization', 'headers.Authorization', '*.headers.Authorization',
  'api_key', '*.api_key', 'secret', '*.secret',
];

export interface LoggerOptions {
  level?: string;
  /** Literal values to scrub from every line (ARI password, HubSpot token, AWS keys). */
  secrets?: string[] | SecretSet;
  /** Where lines go; defaults to stdout (pretty on a TTY). */
  destination?: DestinationStream;
  pretty?: boolean;
  base?: Record<string, unknown>;
}

/** Secrets known only after start (embedded Redis and simulator passwords) are added here. */
export interface SecretSet {
  add(secret: string): void;
  values(): readonly string[];
}

export function createSecretSet(initial: readonly string[] = []): SecretSet {
  const set = new Set(initial.filter((s) => s.length >= 4));
  return { add: (s) => { if (s.length >= 4) set.add(s); }, values: () => [...set] };
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = Array.isArray(opts.secrets) || opts.secrets === undefined ? createSecretSet((opts.secrets as string[] | undefined) ?? []) : opts.secrets;
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  const dest: DestinationStream = scrubbing(opts.destination ?? (pretty ? prettyStream() : pino.destination({ dest: 1, sync: false })), secrets);
  return pino(
    { level: opts.level ?? 'info', base: opts.base ?? { app: 'centralita' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    dest,
  );
}

/** JSON keys whose value is a credential at any depth (headers, error configs, bodies). */
const SECRET_KEYS = /"([\w-]*(?:password|passwd|secret|token|apikey|api[-_]key|authorization|cookie|set-cookie|secretaccesskey|accesskeyid|sessionsecret))":("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\d+)/gi;
/** Credentials in free text: HTTP auth schemes, our API tokens, passwords in URLs. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\b(Basic|Bearer|Digest)\s+[A-Za-z0-9+/=._~-]{6,}/g, '$1 [redacted]'],
  [/ctk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g, '[redacted]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s"]*:)[^@/\s"]+@/gi, '$1[redacted]@'],
  [/([?&](?:api_key|apikey|access_token|token|password|secret)=)[^&\s"]+/gi, '$1[redacted]'],
];

/** Every form a secret can take inside a log line: raw, JSON-escaped, URL-encoded, Base64. */
function encodings(s: string): string[] {
  const b64 = Buffer.from(s).toString('base64');
  return [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s), b64, b64.replace(/=+$/, ''), Buffer.from(s).toString('base64url')];
}

export function scrubLine(line: string, secrets: readonly string[]): string {
  let out = line.replace(SECRET_KEYS, '"$1":"[redacted]"');
  for (const [re, to] of SECRET_PATTERNS) out = out.replace(re, to);
  const needles = [...new Set(secrets.flatMap(encodings))].filter((n) => n.length >= 4).sort((a, b) => b.length - a.length);
  for (const n of needles) if (out.includes(n)) out = out.split(n).join('[redacted]');
  return out;
}

function scrubbing(inner: DestinationStream, secrets: SecretSet): DestinationStream {
  return { write(line: string) { inner.write(scrubLine(line, secrets.values())); } };
}
function prettyStream(): DestinationStream {
  // pino-pretty is loaded lazily: production (non-TTY) never pays for it.
  return pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } }) as DestinationStream;
}

/** Child logger for one call: every line carries its ids. */
export function callLogger(parent: Logger, ids: { callId: string; channelId: string; flowId?: string; campaignId?: string }): Logger {
  return parent.child(ids);
}

// pino: JSON when stdout is not a TTY, pretty when it is. Secrets are removed twice:
// by key (`redact` paths) and by value (every configured secret is scrubbed from the
// serialized line), so a token pasted into a message never reaches the output.
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
  secrets?: string[];
  /** Where lines go; defaults to stdout (pretty on a TTY). */
  destination?: DestinationStream;
  pretty?: boolean;
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = (opts.secrets ?? []).filter((s) => s.length > 0);
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  let dest: DestinationStream = opts.destination ?? (pretty ? prettyStream() : pino.destination({ dest: 1, sync: false }));
  if (secrets.length) dest = scrubbing(dest, secrets);
  return pino(
    { level: opts.level ?? 'info', base: opts.base ?? { app: 'centralita' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    dest,
  );
}

function scrubbing(inner: DestinationStream, secrets: string[]): DestinationStream {
  // Secrets may appear JSON-escaped in the line, so scrub both forms.
  const needles = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))].sort((a, b) => b.length - a.length);
  return {
    write(line: string) {
      let out = line;
      for (const n of needles) if (out.includes(n)) out = out.split(n).join('[redacted]');
      inner.write(out);
    },
  };
}

function prettyStream(): DestinationStream {
  // pino-pretty is loaded lazily: production (non-TTY) never pays for it.
  return pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } }) as DestinationStream;
}

/** Child logger for one call: every line carries its ids. */
export function callLogger(parent: Logger, ids: { callId: string; channelId: string; flowId?: string; campaignId?: string }): Logger {
  return parent.child(ids);
}

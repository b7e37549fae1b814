// The only reader of process.env. Validated once at start; everything else receives
// the typed `Config` object. On bad input the caller prints ONE message listing every
// offending variable with its expected form and an example, and exits 1.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_DIAL_POLICY, type DialPolicy } from './domain/dial-policy.ts';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const nonEmpty = (what: string) => z.string().min(1, { message: `must not be empty (${what})` });
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try { return protocols.includes(new URL(v).protocol); } catch { return false; }
  }, { message: `must be a URL (${protocols.join(' or ')})` });
const port = z.coerce.number().int().min(0).max(65535);
const list = z.string().default('').transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean));
const positiveInt = z.coerce.number().int().positive();

/** Every variable: schema, expected form and an example (used for the error message and .env.example). */
export const VARIABLES = {
  LOG_LEVEL: { schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'), form: 'one of trace|debug|info|warn|error|fatal|silent', example: 'info' },
  HTTP_HOST: { schema: z.string().default('127.0.0.1'), form: 'an address to listen on', example: '127.0.0.1' },
  HTTP_PORT: { schema: port.default(8080), form: 'a TCP port (0 = any free port)', example: '8080' },
  HTTP_ALLOWED_HOSTS: { schema: list, form: 'comma-separated host names the API answers to (required beyond loopback; default localhost,127.0.0.1,::1)', example: 'centralita.example.com' },
  HTTP_ALLOWED_ORIGINS: { schema: list, form: 'comma-separated extra origins allowed to send state-changing requests (the page\'s own origin always is)', example: 'https://ops.example.com' },
  HTTP_TLS_CERT: { schema: nonEmpty('certificate file').optional(), form: 'PEM certificate file: the API serves HTTPS itself (with HTTP_TLS_KEY)', example: '/etc/centralita/tls/cert.pem' },
  HTTP_TLS_KEY: { schema: nonEmpty('key file').optional(), form: 'PEM private key file for HTTP_TLS_CERT', example: '/etc/centralita/tls/key.pem' },
  HTTP_TRUSTED_PROXY: { schema: list, form: 'comma-separated addresses/CIDRs of the TLS reverse proxy in front of the API (its X-Forwarded-* headers are trusted)', example: '10.0.0.10' },
  SESSION_SECRET: { schema: z.string().min(32, 'at least 32 characters').optional(), form: 'signs browser session cookies (≥ 32 chars; shared by every app instance); unset = generated once in DATA_DIR', example: 'a-long-random-string-of-at-least-32-chars' },
  DATA_DIR: { schema: z.string().default('./.data'), form: 'a writable directory', example: './.data' },
  ARI_URL: { schema: url(['http:', 'https:']).optional(), form: 'the Asterisk HTTP base URL; unset = built-in simulated PBX', example: 'http://127.0.0.1:8088' },
  ARI_USER: { schema: nonEmpty('ARI user').default('centralita'), form: 'the ARI user from ari_additional_custom.conf', example: 'centralita' },
  ARI_PASSWORD: { schema: nonEmpty('ARI password').optional(), form: 'the ARI password; required when ARI_URL is set', example: 's3cret' },
  ARI_APP: { schema: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('centralita'), form: 'the Stasis application name', example: 'centralita' },
  ARI_REST_TRANSPORT: { schema: z.enum(['ari-client', 'http']).default('ari-client'), form: "ari-client (the official client) or http (leaner built-in client, less CPU per command)", example: 'ari-client' },
  ARI_REQUEST_TIMEOUT_MS: { schema: positiveInt.default(5000), form: 'milliseconds before an ARI request is abandoned', example: '5000' },
  AMI_HOST: { schema: z.string().min(1).optional(), form: 'Asterisk manager (AMI) host; unset = the simulated PBX\'s AMI with the embedded default, no AMI with an external ARI', example: '127.0.0.1' },
  AMI_PORT: { schema: port.default(5038), form: 'the AMI TCP port', example: '5038' },
  AMI_USER: { schema: nonEmpty('AMI user').default('centralita'), form: 'the manager user from manager_custom.conf (dialplan/README.md)', example: 'centralita' },
  AMI_SECRET: { schema: nonEmpty('AMI secret').optional(), form: 'the manager user\'s secret; required when AMI_HOST is set', example: 's3cret' },
  AMI_ACTION_TIMEOUT_MS: { schema: positiveInt.default(5000), form: 'milliseconds before an AMI action is abandoned (AMI_TIMEOUT)', example: '5000' },
  PBX_INBOUND_CONTEXTS: { schema: z.string().default('from-pstn,from-trunk*,from-did-direct,ext-did*'), form: 'comma list of contexts trunk calls arrive in (trailing * = prefix); decides inbound/outbound/internal', example: 'from-pstn,from-trunk*' },
  PBX_ORIGINATE_CONTEXT: { schema: z.string().regex(/^[A-Za-z0-9_-]+$/).default('from-internal'), form: 'context a click-to-call desk phone continues in (FreePBX outbound routes)', example: 'from-internal' },
  PBX_DIAL_ALLOWED_PREFIXES: { schema: z.string().regex(/^(\+\d{1,6})(,\+\d{1,6})*$/, 'comma list of +prefixes').optional(), form: 'E.164 prefixes click-to-call may dial (toll-fraud allow-list); unset = the DEFAULT_COUNTRY calling code only', example: '+57,+1' },
  SOFTPHONE_WS_URL: { schema: url(['ws:', 'wss:']).optional(), form: 'the SIP-over-WebSocket URL agents\' browser softphones register to (Asterisk\'s WSS transport, dialplan/README.md); unset = the simulated PBX\'s /ws with the embedded default, no softphone with an external ARI', example: 'wss://pbx.example.com:8089/ws' },
  SOFTPHONE_SIP_DOMAIN: { schema: z.string().regex(/^[A-Za-z0-9.-]+$/, 'a host name').optional(), form: 'the SIP domain of the softphones\' AOR URIs (sip:<endpoint>@<domain>); unset = the host of SOFTPHONE_WS_URL', example: 'pbx.example.com' },
  REDIS_URL: { schema: url(['redis:', 'rediss:']).optional(), form: 'a Redis URL; unset = start a local redis-server', example: 'redis://127.0.0.1:6379/0' },
  S3_BUCKET: { schema: nonEmpty('bucket name').optional(), form: 'the campaigns bucket; unset = local inbox folder', example: 'acme-campaigns' },
  S3_ENDPOINT: { schema: url(['http:', 'https:']).optional(), form: 'an S3-compatible endpoint (tests, MinIO); unset = AWS', example: 'http://127.0.0.1:4569' },
  S3_FORCE_PATH_STYLE: { schema: bool.default(false), form: 'true|false', example: 'false' },
  AWS_REGION: { schema: z.string().default('us-east-1'), form: 'an AWS region', example: 'us-east-1' },
  AWS_ACCESS_KEY_ID: { schema: nonEmpty('AWS key id').optional(), form: 'an AWS access key id; unset = default credential chain', example: 'AKIA...' },
  AWS_SECRET_ACCESS_KEY: { schema: nonEmpty('AWS secret').optional(), form: 'the AWS secret access key', example: 'wJalr...' },
  SQS_QUEUE_URL: { schema: url(['http:', 'https:']).optional(), form: 'the SQS queue receiving S3 ObjectCreated events', example: 'https://sqs.us-east-1.amazonaws.com/123456789012/centralita-campaigns' },
  SQS_DEAD_LETTER_QUEUE_URL: { schema: url(['http:', 'https:']).optional(), form: 'the SQS queue that receives campaign events that fail for good, with their reason; unset = the queue\'s RedrivePolicy (checked at start-up)', example: 'https://sqs.us-east-1.amazonaws.com/123456789012/centralita-campaigns-dlq' },
  SQS_ENDPOINT: { schema: url(['http:', 'https:']).optional(), form: 'an SQS-compatible endpoint (tests); unset = AWS', example: 'http://127.0.0.1:9324' },
  CAMPAIGNS_PREFIX: { schema: z.string().default('campaigns/'), form: 'S3 key prefix of campaign files', example: 'campaigns/' },
  CAMPAIGN_INBOX_DIR: { schema: z.string().default('./campaigns/inbox'), form: 'local inbox folder used when S3_BUCKET is unset', example: './campaigns/inbox' },
  CAMPAIGN_RESULTS_DIR: { schema: z.string().default('./campaigns/results'), form: 'local results folder used when S3_BUCKET is unset', example: './campaigns/results' },
  INGEST_HEAP_MB: { schema: positiveInt.min(64, 'at least 64 (the thread needs ~25 MB for its modules)').default(96), form: 'heap (MB, old generation) of the thread that ingests one campaign file', example: '96' },
  DIALER_MAX_CPS: { schema: positiveInt.default(5), form: 'calls per second across every dialler process (BullMQ limiter)', example: '5' },
  DIALER_MAX_CONCURRENT: { schema: positiveInt.default(20), form: 'live campaign calls at once across every dialler process', example: '20' },
  DEFAULT_COUNTRY: { schema: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code').default('CO'), form: 'ISO country for numbers written locally', example: 'CO' },
  HUBSPOT_TOKEN: { schema: nonEmpty('unset it to write to the local outbox instead').optional(), form: 'a HubSpot private-app token; unset = local JSONL outbox', example: 'pat-na1-...' },
  HUBSPOT_BASE_URL: { schema: url(['http:', 'https:']).default('https://api.hubapi.com'), form: 'HubSpot API base URL', example: 'https://api.hubapi.com' },
  HUBSPOT_TIER: { schema: z.enum(['free', 'starter', 'professional', 'enterprise']).default('free'), form: 'free|starter|professional|enterprise (sets rate budgets)', example: 'professional' },
  HUBSPOT_CALLING_FRAME_ANCESTORS: {
    schema: z.string().default('https://app.hubspot.com,https://app-eu1.hubspot.com').transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
      .refine((l) => l.every((x) => /^https:\/\/[a-z0-9.-]+(:\d+)?$/i.test(x)), { message: 'must be comma-separated https origins (https://host[:port])' }),
    form: 'comma-separated origins that may frame the HubSpot calling extension page (/hubspot/calling); only that page', example: 'https://app.hubspot.com,https://app-eu1.hubspot.com',
  },
  HUBSPOT_CREATE_CONTACTS: { schema: bool.default(false), form: 'true|false: create a contact when no number matches', example: 'false' },
  FLOWS_DIR: { schema: z.string().default('./flows'), form: 'folder with *.flow.ts and index.ts', example: './flows' },
  SOUNDS_DIR: { schema: z.string().default('./sounds'), form: 'folder with <lang>/<prompt>.wav', example: './sounds' },
  FLOWS_HOT_RELOAD: { schema: bool.default(false), form: 'true|false: reload flows on file change (development)', example: 'true' },
  DIAL_TRUNK_ENDPOINTS: { schema: list, form: 'comma-separated dial-string templates that leave the PBX ({n} = dial digits); campaigns may use only these; unset = PJSIP/{n}@trunk,Local/{n}@centralita-outbound', example: 'PJSIP/{n}@claro' },
  DIAL_INTERNAL_ENDPOINTS: { schema: list, form: 'comma-separated dial-string templates on the PBX itself (agents, extensions); unset = PJSIP/{n}', example: 'PJSIP/{n}' },
  DIAL_CALLER_IDS: { schema: list, form: 'comma-separated caller IDs the business owns (E.164); a trunk call may present only these; unset = none (the trunk\'s own)', example: '+576015550100' },
  HANDOFF_CONTEXTS: { schema: list, form: 'comma-separated dialplan contexts transfer nodes may hand calls to; unset = centralita-handoff,ext-local,ext-group,ext-queues,from-did-direct (never from-internal)', example: 'centralita-handoff' },
  CENTRALITA_URL: { schema: url(['http:', 'https:']).optional(), form: 'CLI only: API of the app to operate; unset = the app running on this machine (DATA_DIR/running.json)', example: 'https://centralita.example.com' },
  CENTRALITA_TOKEN: { schema: nonEmpty('API token').optional(), form: 'CLI only: API token (centralita tokens create); unset = the local token in DATA_DIR/running.json', example: 'ctk_...' },
  SHUTDOWN_DEADLINE_MS: { schema: positiveInt.default(30_000), form: 'ms live calls may take to finish at shutdown', example: '30000' },
  SHUTDOWN_MARGIN_MS: { schema: positiveInt.min(1000, 'at least 1000').default(5_000), form: 'ms the rest of the shutdown may take on top of SHUTDOWN_DEADLINE_MS (stopping intake, workers, connections); past both the process exits 1 (set the container\'s stop grace period above their sum)', example: '5000' },
  STARTUP_DEADLINE_MS: { schema: positiveInt.min(1000, 'at least 1000').default(120_000), form: 'ms start-up may take; past it the process exits 1 naming the step it hung in', example: '120000' },
  REDIS_CONNECT_TIMEOUT_MS: { schema: positiveInt.default(10_000), form: 'ms start-up waits for Redis to answer before failing with a clear error', example: '10000' },
  REDIS_COMMAND_TIMEOUT_MS: { schema: positiveInt.default(2_000), form: 'ms an API request or call record waits on a Redis command before failing (503) instead of hanging', example: '2000' },
  ALERTS_ENABLED: { schema: bool.default(true), form: 'true|false: the built-in alerter (evaluates deploy/prometheus/centralita.rules.yml over the app\'s own metrics)', example: 'true' },
  ALERT_RULES_FILE: { schema: z.string().optional(), form: 'a Prometheus rule file for the built-in alerter; unset = the shipped deploy/prometheus/centralita.rules.yml', example: './my-rules.yml' },
  ALERT_EVAL_INTERVAL_MS: { schema: positiveInt.min(1000, 'at least 1000').default(15_000), form: 'ms between two evaluations of the alert rules', example: '15000' },
  ALERT_WEBHOOK_URL: { schema: url(['https:', 'http:']).optional(), form: 'a Slack or Teams incoming-webhook URL for alerts (a secret); unset = alerts go to the log only', example: 'https://hooks.slack.com/services/T000/B000/XXXX' },
  ALERT_WEBHOOK_FORMAT: { schema: z.enum(['slack', 'teams', 'generic']).default('slack'), form: 'slack|teams|generic (Alertmanager-like JSON)', example: 'slack' },
  ALERT_SNS_TOPIC_ARN: { schema: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'an SNS topic ARN').optional(), form: 'an SNS topic for alerts (the CloudWatch alarm topic on AWS)', example: 'arn:aws:sns:us-east-1:123456789012:centralita-alarms' },
  DATABASE_URL: { schema: url(['postgres:', 'postgresql:']).optional(), form: 'a PostgreSQL URL (system of record); unset = start a private PostgreSQL in DATA_DIR', example: 'postgres://centralita:s3cret@db.internal:5432/centralita' },
  DATABASE_POOL_MAX: { schema: positiveInt.max(200).default(10), form: 'connections in the app\'s PostgreSQL pool', example: '10' },
  REPORT_TIME_ZONE: { schema: z.string().refine((tz) => { try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch { return false; } }, 'an IANA time zone').default('UTC'), form: 'IANA time zone of "today" and report intervals', example: 'America/Bogota' },
  PUBLIC_BASE_URL: { schema: url(['https:', 'http:']).optional(), form: 'the HTTPS URL the app is reached at from outside (stable recording links in HubSpot); unset = no links', example: 'https://centralita.example.com' },
  RECORDINGS_BUCKET: { schema: nonEmpty('bucket name').optional(), form: 'S3 bucket for call recordings; unset = DATA_DIR/recordings', example: 'acme-call-recordings' },
  RECORDINGS_PREFIX: { schema: z.string().default('recordings/'), form: 'S3 key prefix of recordings', example: 'recordings/' },
  RECORDINGS_SSE: { schema: z.enum(['AES256', 'aws:kms']).default('AES256'), form: 'S3 server-side encryption of recordings: AES256 or aws:kms', example: 'AES256' },
  RECORDINGS_KMS_KEY_ID: { schema: nonEmpty('KMS key').optional(), form: 'KMS key id/ARN when RECORDINGS_SSE=aws:kms', example: 'arn:aws:kms:us-east-1:123456789012:key/…' },
  RECORDING_LINK_SECRET: { schema: z.string().min(32, 'at least 32 characters').optional(), form: 'secret that signs recording links; unset = generated once into DATA_DIR', example: 'a-long-random-string-of-32-or-more-chars' },
  RETENTION_RECORDS_DAYS: { schema: positiveInt.default(730), form: 'days call records, queue events and agent states are kept', example: '730' },
  RETENTION_RECORDINGS_DAYS: { schema: positiveInt.default(90), form: 'days recordings are kept (also set as the S3 lifecycle rule)', example: '90' },
  RETENTION_AUDIT_DAYS: { schema: positiveInt.default(2555), form: 'days audit-log entries are kept', example: '2555' },
} as const;

/**
 * Secrets that may come from a file instead (`<NAME>_FILE=/run/secrets/…`: Docker/compose
 * secrets, systemd credentials): the value never sits in the process environment listing.
 * DATABASE_URL is read by the PostgreSQL work; it is listed so its file form works too.
 */
export const FILE_VARIABLES = ['ARI_PASSWORD', 'HUBSPOT_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'REDIS_URL', 'DATABASE_URL', 'ALERT_WEBHOOK_URL'] as const;

function withSecretFiles(env: Record<string, string | undefined>, problems: { variable: string; problem: string; form: string; example: string }[]): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of FILE_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    const problem = (p: string) => problems.push({ variable: `${name}_FILE`, problem: p, form: `a readable file holding ${name}`, example: `/run/secrets/${name.toLowerCase()}` });
    if (env[name] !== undefined && env[name] !== '') { problem(`is set together with ${name}; set one of them`); continue; }
    try { out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, ''); } catch (err) { problem(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`); }
  }
  return out;
}

type Vars = typeof VARIABLES;
export type RawConfig = { [K in keyof Vars]: z.output<Vars[K]['schema']> };

export interface Config {
  logLevel: RawConfig['LOG_LEVEL'];
  http: {
    host: string; port: number;
    /** Host names (lowercase) and extra origins the security layer accepts. */
    allowedHosts: string[]; allowedOrigins: string[];
    tls?: { certFile: string; keyFile: string };
    trustedProxy: string[];
    /** Browsers reach the API over HTTPS (own TLS or a trusted TLS proxy): Secure cookies. */
    https: boolean;
  };
  sessionSecret?: string;
  /** Toll-fraud allow-list: what may be dialled, presented and handed off to. */
  dial: DialPolicy;
  /** What the CLI talks to when not the app on this machine. */
  cli: { url?: string; token?: string };
  dataDir: string;
  ari: ({ mode: 'external'; url: string; password: string } | { mode: 'embedded' }) & { user: string; app: string; requestTimeoutMs: number; restTransport: 'ari-client' | 'http' };
  /** AMI: every call on the PBX (not only Stasis), FreePBX queues, desk-phone operations. */
  ami: ({ mode: 'external'; host: string; port: number; secret: string } | { mode: 'embedded' } | { mode: 'off' }) & { user: string; actionTimeoutMs: number };
  pbx: { inboundContexts: string[]; originateContext: string; dialAllowedPrefixes?: string[] };
  redis: { mode: 'external'; url: string } | { mode: 'embedded' };
  /** Browser softphones (JsSIP): where they register; the embedded default fills in the simulator's /ws. */
  softphone: { wsUrl?: string; domain?: string };
  /** The HubSpot calling extension page: the HubSpot origins allowed to frame it (CSP frame-ancestors). */
  hubspotCalling: { frameAncestors: string[] };
  aws: { region: string; accessKeyId?: string; secretAccessKey?: string };
  campaigns:
    | { mode: 's3'; bucket: string; endpoint?: string; forcePathStyle: boolean; prefix: string; sqsQueueUrl?: string; sqsDeadLetterQueueUrl?: string; sqsEndpoint?: string }
    | { mode: 'local'; inboxDir: string; resultsDir: string; prefix: string };
  defaultCountry: string;
  dialer: { maxCallsPerSecond: number; maxConcurrentCalls: number };
  ingest: { maxHeapMb: number };
  hubspot: { mode: 'api'; token: string; baseUrl: string; tier: RawConfig['HUBSPOT_TIER']; createContacts: boolean } | { mode: 'outbox'; outboxFile: string; tier: RawConfig['HUBSPOT_TIER']; createContacts: boolean };
  flows: { dir: string; hotReload: boolean };
  soundsDir: string;
  shutdownDeadlineMs: number;
  /** On top of shutdownDeadlineMs: the whole stop ends within their sum (hard). */
  shutdownMarginMs: number;
  startupDeadlineMs: number;
  redisTimeouts: { connectMs: number; commandMs: number };
  alerts: { enabled: boolean; rulesFile?: string; intervalMs: number; webhookUrl?: string; webhookFormat: RawConfig['ALERT_WEBHOOK_FORMAT']; snsTopicArn?: string };
  database: ({ mode: 'external'; url: string } | { mode: 'embedded' }) & { poolMax: number };
  reports: { timeZone: string };
  publicBaseUrl?: string;
  recordings: ({ mode: 's3'; bucket: string; prefix: string; sse: 'AES256' | 'aws:kms'; kmsKeyId?: string } | { mode: 'local'; dir: string }) & { linkSecret?: string };
  retention: { recordsDays: number; recordingsDays: number; auditDays: number };
  /** Values that must never appear in logs. */
  secrets: string[];
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: { variable: string; problem: string; form: string; example: string }[];
  constructor(problems: { variable: string; problem: string; form: string; example: string }[]) {
    super(
      `centralita: invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.problem}. Expected ${p.form}, e.g. ${p.variable}=${p.example}`).join('\n') +
        '\nSee .env.example for every variable.',
    );
    this.problems = problems;
  }
}

/** Validates the environment once. Throws ConfigError listing every bad variable. */
export function loadConfig(rawEnv: Record<string, string | undefined>): Config {
  const problems: ConstructorParameters<typeof ConfigError>[0] = [];
  const env = withSecretFiles(rawEnv, problems);
  const raw: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(VARIABLES)) {
    const r = (spec.schema as z.ZodType).safeParse(env[name]);
    if (r.success) raw[name] = r.data;
    else problems.push({ variable: name, problem: `${JSON.stringify(env[name])} ${r.error.issues.map((i) => i.message).join('; ')}`, form: spec.form, example: spec.example });
  }
  const v = raw as RawConfig;
  if (problems.length === 0 && v.ARI_URL && !v.ARI_PASSWORD)
    problems.push({ variable: 'ARI_PASSWORD', problem: 'is required when ARI_URL is set', form: VARIABLES.ARI_PASSWORD.form, example: VARIABLES.ARI_PASSWORD.example });
  if (problems.length === 0 && v.AMI_HOST && !v.AMI_SECRET)
    problems.push({ variable: 'AMI_SECRET', problem: 'is required when AMI_HOST is set', form: VARIABLES.AMI_SECRET.form, example: VARIABLES.AMI_SECRET.example });
  if (problems.length === 0 && v.SQS_DEAD_LETTER_QUEUE_URL && !v.SQS_QUEUE_URL)
    problems.push({ variable: 'SQS_QUEUE_URL', problem: 'is required when SQS_DEAD_LETTER_QUEUE_URL is set', form: VARIABLES.SQS_QUEUE_URL.form, example: VARIABLES.SQS_QUEUE_URL.example });
  if (problems.length === 0 && v.SQS_QUEUE_URL && !v.S3_BUCKET)
    problems.push({ variable: 'S3_BUCKET', problem: 'is required when SQS_QUEUE_URL is set', form: VARIABLES.S3_BUCKET.form, example: VARIABLES.S3_BUCKET.example });
  if (problems.length === 0) problems.push(...exposureProblems(v), ...weakSecretProblems(v));
  if (problems.length) throw new ConfigError(problems);

  const secrets = [v.ARI_PASSWORD, v.AMI_SECRET, v.HUBSPOT_TOKEN, v.AWS_SECRET_ACCESS_KEY, v.AWS_ACCESS_KEY_ID, v.ALERT_WEBHOOK_URL, v.SESSION_SECRET, v.CENTRALITA_TOKEN].filter((s): s is string => !!s && s.length >= 4);
  if (v.RECORDING_LINK_SECRET) secrets.push(v.RECORDING_LINK_SECRET);
  for (const u of [v.REDIS_URL, v.DATABASE_URL]) {
    const pw = u ? safePassword(u) : undefined;
    if (pw) secrets.push(pw);
  }
  return {
    logLevel: v.LOG_LEVEL,
    http: {
      host: v.HTTP_HOST, port: v.HTTP_PORT,
      allowedHosts: v.HTTP_ALLOWED_HOSTS.length ? v.HTTP_ALLOWED_HOSTS.map((h) => h.toLowerCase()) : [...new Set(['localhost', '127.0.0.1', '::1', v.HTTP_HOST.toLowerCase()])],
      allowedOrigins: v.HTTP_ALLOWED_ORIGINS,
      ...(v.HTTP_TLS_CERT && v.HTTP_TLS_KEY ? { tls: { certFile: v.HTTP_TLS_CERT, keyFile: v.HTTP_TLS_KEY } } : {}),
      trustedProxy: v.HTTP_TRUSTED_PROXY,
      https: !!(v.HTTP_TLS_CERT && v.HTTP_TLS_KEY) || v.HTTP_TRUSTED_PROXY.length > 0,
    },
    ...(v.SESSION_SECRET ? { sessionSecret: v.SESSION_SECRET } : {}),
    dial: {
      trunkEndpoints: v.DIAL_TRUNK_ENDPOINTS.length ? v.DIAL_TRUNK_ENDPOINTS : DEFAULT_DIAL_POLICY.trunkEndpoints,
      internalEndpoints: v.DIAL_INTERNAL_ENDPOINTS.length ? v.DIAL_INTERNAL_ENDPOINTS : DEFAULT_DIAL_POLICY.internalEndpoints,
      callerIds: v.DIAL_CALLER_IDS,
      handoffContexts: v.HANDOFF_CONTEXTS.length ? v.HANDOFF_CONTEXTS : DEFAULT_DIAL_POLICY.handoffContexts,
    },
    cli: { ...(v.CENTRALITA_URL ? { url: v.CENTRALITA_URL } : {}), ...(v.CENTRALITA_TOKEN ? { token: v.CENTRALITA_TOKEN } : {}) },
    dataDir: v.DATA_DIR,
    ari: v.ARI_URL
      ? { mode: 'external', url: v.ARI_URL, user: v.ARI_USER, password: v.ARI_PASSWORD!, app: v.ARI_APP, requestTimeoutMs: v.ARI_REQUEST_TIMEOUT_MS, restTransport: v.ARI_REST_TRANSPORT }
      : { mode: 'embedded', app: v.ARI_APP, user: v.ARI_USER, requestTimeoutMs: v.ARI_REQUEST_TIMEOUT_MS, restTransport: v.ARI_REST_TRANSPORT },
    ami: {
      ...(v.AMI_HOST ? { mode: 'external' as const, host: v.AMI_HOST, port: v.AMI_PORT, secret: v.AMI_SECRET! } : v.ARI_URL ? { mode: 'off' as const } : { mode: 'embedded' as const }),
      user: v.AMI_USER, actionTimeoutMs: v.AMI_ACTION_TIMEOUT_MS,
    },
    pbx: {
      inboundContexts: v.PBX_INBOUND_CONTEXTS.split(',').map((c) => c.trim()).filter(Boolean), originateContext: v.PBX_ORIGINATE_CONTEXT,
      ...(v.PBX_DIAL_ALLOWED_PREFIXES ? { dialAllowedPrefixes: v.PBX_DIAL_ALLOWED_PREFIXES.split(',') } : {}),
    },
    redis: v.REDIS_URL ? { mode: 'external', url: v.REDIS_URL } : { mode: 'embedded' },
    hubspotCalling: { frameAncestors: v.HUBSPOT_CALLING_FRAME_ANCESTORS },
    softphone: { ...(v.SOFTPHONE_WS_URL ? { wsUrl: v.SOFTPHONE_WS_URL } : {}), ...(v.SOFTPHONE_SIP_DOMAIN ? { domain: v.SOFTPHONE_SIP_DOMAIN } : {}) },
    aws: { region: v.AWS_REGION, accessKeyId: v.AWS_ACCESS_KEY_ID, secretAccessKey: v.AWS_SECRET_ACCESS_KEY },
    campaigns: v.S3_BUCKET
      ? { mode: 's3', bucket: v.S3_BUCKET, endpoint: v.S3_ENDPOINT, forcePathStyle: v.S3_FORCE_PATH_STYLE, prefix: v.CAMPAIGNS_PREFIX, sqsQueueUrl: v.SQS_QUEUE_URL, ...(v.SQS_DEAD_LETTER_QUEUE_URL ? { sqsDeadLetterQueueUrl: v.SQS_DEAD_LETTER_QUEUE_URL } : {}), sqsEndpoint: v.SQS_ENDPOINT }
      : { mode: 'local', inboxDir: v.CAMPAIGN_INBOX_DIR, resultsDir: v.CAMPAIGN_RESULTS_DIR, prefix: v.CAMPAIGNS_PREFIX },
    defaultCountry: v.DEFAULT_COUNTRY,
    dialer: { maxCallsPerSecond: v.DIALER_MAX_CPS, maxConcurrentCalls: v.DIALER_MAX_CONCURRENT },
    ingest: { maxHeapMb: v.INGEST_HEAP_MB },
    hubspot: v.HUBSPOT_TOKEN
      ? { mode: 'api', token: v.HUBSPOT_TOKEN, baseUrl: v.HUBSPOT_BASE_URL, tier: v.HUBSPOT_TIER, createContacts: v.HUBSPOT_CREATE_CONTACTS }
      : { mode: 'outbox', outboxFile: `${v.DATA_DIR}/hubspot-outbox.jsonl`, tier: v.HUBSPOT_TIER, createContacts: v.HUBSPOT_CREATE_CONTACTS },
    flows: { dir: v.FLOWS_DIR, hotReload: v.FLOWS_HOT_RELOAD },
    soundsDir: v.SOUNDS_DIR,
    shutdownDeadlineMs: v.SHUTDOWN_DEADLINE_MS,
    shutdownMarginMs: v.SHUTDOWN_MARGIN_MS,
    startupDeadlineMs: v.STARTUP_DEADLINE_MS,
    redisTimeouts: { connectMs: v.REDIS_CONNECT_TIMEOUT_MS, commandMs: v.REDIS_COMMAND_TIMEOUT_MS },
    alerts: { enabled: v.ALERTS_ENABLED, rulesFile: v.ALERT_RULES_FILE, intervalMs: v.ALERT_EVAL_INTERVAL_MS, webhookUrl: v.ALERT_WEBHOOK_URL, webhookFormat: v.ALERT_WEBHOOK_FORMAT, snsTopicArn: v.ALERT_SNS_TOPIC_ARN },
    database: v.DATABASE_URL ? { mode: 'external', url: v.DATABASE_URL, poolMax: v.DATABASE_POOL_MAX } : { mode: 'embedded', poolMax: v.DATABASE_POOL_MAX },
    reports: { timeZone: v.REPORT_TIME_ZONE },
    ...(v.PUBLIC_BASE_URL ? { publicBaseUrl: v.PUBLIC_BASE_URL.replace(/\/+$/, '') } : {}),
    recordings: {
      ...(v.RECORDINGS_BUCKET
        ? { mode: 's3' as const, bucket: v.RECORDINGS_BUCKET, prefix: v.RECORDINGS_PREFIX, sse: v.RECORDINGS_SSE, ...(v.RECORDINGS_KMS_KEY_ID ? { kmsKeyId: v.RECORDINGS_KMS_KEY_ID } : {}) }
        : { mode: 'local' as const, dir: `${v.DATA_DIR}/recordings` }),
      ...(v.RECORDING_LINK_SECRET ? { linkSecret: v.RECORDING_LINK_SECRET } : {}),
    },
    retention: { recordsDays: v.RETENTION_RECORDS_DAYS, recordingsDays: v.RETENTION_RECORDINGS_DAYS, auditDays: v.RETENTION_AUDIT_DAYS },
    secrets,
  };
}

type Problem = ConstructorParameters<typeof ConfigError>[0][number];
const problem = (variable: keyof Vars, text: string): Problem => ({ variable, problem: text, form: VARIABLES[variable].form, example: VARIABLES[variable].example });

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Listening beyond loopback needs TLS (own or a trusted proxy's) and an explicit Host allow-list. */
function exposureProblems(v: RawConfig): Problem[] {
  const out: Problem[] = [];
  if (!!v.HTTP_TLS_CERT !== !!v.HTTP_TLS_KEY) out.push(problem(v.HTTP_TLS_CERT ? 'HTTP_TLS_KEY' : 'HTTP_TLS_CERT', 'is required with its pair (HTTP_TLS_CERT and HTTP_TLS_KEY go together)'));
  if (isLoopbackHost(v.HTTP_HOST)) return out;
  const where = `HTTP_HOST=${v.HTTP_HOST} listens beyond loopback`;
  if (!(v.HTTP_TLS_CERT && v.HTTP_TLS_KEY) && v.HTTP_TRUSTED_PROXY.length === 0)
    out.push(problem('HTTP_TRUSTED_PROXY', `${where}: serve TLS (HTTP_TLS_CERT + HTTP_TLS_KEY) or name the TLS reverse proxy in front of it (HTTP_TRUSTED_PROXY); refusing to expose sign-in and API tokens over plain HTTP`));
  if (v.HTTP_ALLOWED_HOSTS.length === 0) out.push(problem('HTTP_ALLOWED_HOSTS', `${where}: list the host names clients use (DNS-rebinding defence)`));
  if (v.HTTP_ALLOWED_HOSTS.includes('*')) out.push(problem('HTTP_ALLOWED_HOSTS', '"*" is not allowed: list the host names'));
  return out;
}

/** Values copied from docs and examples, never real secrets. */
const PLACEHOLDERS = new Set(['changeme', 'change-me', 'password', 'secret', 's3cret', 'admin', 'asterisk', 'centralita', 'example', 'test', 'xxx', 'todo', 'replace-me']);
const MIN_SECRET = 12;

/** Placeholder or short secrets are refused at start-up (a short ARI password only warns when Asterisk is on loopback). */
function weakSecretProblems(v: RawConfig): Problem[] {
  const out: Problem[] = [];
  const looksPlaceholder = (name: keyof Vars, s: string) => PLACEHOLDERS.has(s.toLowerCase()) || s === VARIABLES[name].example || /^(.)\1+$/.test(s) || /\.\.\.$|…$/.test(s);
  const check = (name: keyof Vars, s: string | undefined, minLength: number) => {
    if (!s) return;
    if (looksPlaceholder(name, s)) out.push(problem(name, 'is a placeholder value, not a secret'));
    else if (s.length < minLength) out.push(problem(name, `is too short for a secret (${s.length} characters; at least ${minLength})`));
  };
  const ariLoopback = v.ARI_URL ? isLoopbackHost(new URL(v.ARI_URL).hostname) : true;
  check('ARI_PASSWORD', v.ARI_PASSWORD, ariLoopback ? 1 : MIN_SECRET);
  check('HUBSPOT_TOKEN', v.HUBSPOT_TOKEN, 8);
  check('AWS_SECRET_ACCESS_KEY', v.AWS_SECRET_ACCESS_KEY, 20);
  check('SESSION_SECRET', v.SESSION_SECRET, 32);
  const redisPw = v.REDIS_URL ? safePassword(v.REDIS_URL) : undefined;
  if (redisPw) check('REDIS_URL', redisPw, 1);
  return out;
}

function safePassword(u: string): string | undefined {
  try { return decodeURIComponent(new URL(u).password) || undefined; } catch { return undefined; }
}

/** Renders .env.example from VARIABLES so the two never drift (a unit test compares them). */
export function renderEnvExample(): string {
  const lines = ['# centralita configuration. Every variable is optional: unset ones use the embedded defaults.', ''];
  for (const [name, spec] of Object.entries(VARIABLES)) lines.push(`# ${spec.form}`, `# ${name}=${spec.example}`, '');
  return lines.join('\n');
}

// Every deploy-time choice of the stack, read once from CDK context (`-c name=value` or
// cdk.json) and validated; the constructs receive this typed object. Defaults are the sizes
// priced in docs/deploy-aws.md.

export type DataPlacement = 'instance' | 'managed';

export interface Params {
  /** Prefix of every name (log groups, secrets, alarms). */
  name: string;
  region?: string;
  account?: string;
  /** Who may open the FreePBX GUI (443) and the centralita UI (8443). Never 0.0.0.0/0. */
  adminCidr: string;
  /** The SIP carrier's signalling and media sources: SIP 5060/5061 and RTP only from these. */
  trunkCidrs: string[];
  /** Remote phones' networks (offices); empty = phones are on a VPN or the trunk only. */
  phoneCidrs: string[];
  instanceType: string;
  volumeGb: number;
  /** RTP port range Asterisk uses (FreePBX default 10000-20000). */
  rtpPorts: [number, number];
  /** Public DNS name of the PBX (for TLS certificates and SIP TLS); optional. */
  domain?: string;
  /** Where Redis runs: on the PBX instance (Debian redis-server) or ElastiCache. */
  redis: DataPlacement;
  /** Where PostgreSQL (DATABASE_URL) runs: on the PBX instance or RDS. */
  database: DataPlacement;
  redisNodeType: string;
  dbInstanceType: string;
  /** Campaign events through Lambda (src/lambda) instead of the app's SQS consumer. Needs managed Redis. */
  lambdaIngest: boolean;
  logRetentionDays: number;
  securityLogRetentionDays: number;
  recordingsRetentionDays: number;
  alarmEmail?: string;
  /** The FreePBX installer (official script); pin a commit and its sha256 for repeatable builds. */
  freepbxInstallerUrl: string;
  freepbxInstallerSha256?: string;
  /** Country for routes and number normalisation (dialplan globals, DEFAULT_COUNTRY). */
  country: string;
  /** Failed-call ratio (0..1) over 15 min that raises the CloudWatch alarm. */
  failedCallRatio: number;
}

export const DEFAULTS = {
  name: 'centralita',
  phoneCidrs: [] as string[],
  instanceType: 't3.medium',
  volumeGb: 40,
  rtpPorts: [10000, 20000] as [number, number],
  redis: 'instance' as DataPlacement,
  database: 'instance' as DataPlacement,
  redisNodeType: 'cache.t4g.micro',
  dbInstanceType: 't4g.micro',
  lambdaIngest: false,
  logRetentionDays: 30,
  securityLogRetentionDays: 365,
  recordingsRetentionDays: 365,
  freepbxInstallerUrl: 'https://github.com/FreePBX/sng_freepbx_debian_install/raw/master/sng_freepbx_debian_install.sh',
  country: 'CO',
  failedCallRatio: 0.3,
};

export class ParamsError extends Error {
  readonly code = 'DEPLOY_PARAMS_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid deploy parameters (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee docs/deploy-aws.md.`);
    this.problems = problems;
  }
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
function cidrProblem(name: string, v: string): string | undefined {
  const m = CIDR.exec(v);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) return `${name}: ${JSON.stringify(v)} is not an IPv4 CIDR (e.g. 203.0.113.10/32)`;
  if (Number(m[5]) === 0) return `${name}: ${v} would open the port to the whole internet; name the networks that need it`;
  return undefined;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : String(v ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
const RETENTIONS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Reads parameters from a context getter (node.tryGetContext) and validates them all at once. */
export function readParams(get: (key: string) => unknown, env: { account?: string; region?: string } = {}): Params {
  const problems: string[] = [];
  const str = (k: string, d?: string) => { const v = get(k); return v === undefined || v === null || v === '' ? d : String(v); };
  const num = (k: string, d: number) => {
    const v = str(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) problems.push(`${k}: ${JSON.stringify(v)} must be a positive number`);
    return n;
  };
  const placement = (k: string, d: DataPlacement): DataPlacement => {
    const v = str(k, d)!;
    if (v !== 'instance' && v !== 'managed') problems.push(`${k}: ${JSON.stringify(v)} must be "instance" or "managed"`);
    return v as DataPlacement;
  };
  const adminCidr = str('adminCidr', '')!;
  if (!adminCidr) problems.push('adminCidr: required, the network allowed to reach the FreePBX GUI and centralita UI (e.g. 203.0.113.10/32)');
  else { const p = cidrProblem('adminCidr', adminCidr); if (p) problems.push(p); }
  const trunkCidrs = list(get('trunkCidrs'));
  if (trunkCidrs.length === 0) problems.push("trunkCidrs: required, the SIP carrier's signalling/media networks (comma-separated CIDRs)");
  for (const c of trunkCidrs) { const p = cidrProblem('trunkCidrs', c); if (p) problems.push(p); }
  const phoneCidrs = list(get('phoneCidrs'));
  for (const c of phoneCidrs) { const p = cidrProblem('phoneCidrs', c); if (p) problems.push(p); }
  const rtp = list(get('rtpPorts') ?? DEFAULTS.rtpPorts.join('-')).join('').split('-').map(Number);
  if (rtp.length !== 2 || !rtp.every((n) => Number.isInteger(n) && n >= 1024 && n <= 65535) || rtp[0]! >= rtp[1]!) problems.push('rtpPorts: must be FROM-TO within 1024-65535, e.g. 10000-20000');
  const redis = placement('redis', DEFAULTS.redis);
  const database = placement('database', DEFAULTS.database);
  const lambdaIngest = ['true', '1', 'yes'].includes(String(get('lambdaIngest') ?? DEFAULTS.lambdaIngest));
  if (lambdaIngest && redis !== 'managed') problems.push('lambdaIngest: the Lambda must reach the dialler\'s Redis; set redis=managed (ElastiCache) too');
  const retention = (k: string, d: number) => {
    const n = num(k, d);
    if (!RETENTIONS.includes(n)) problems.push(`${k}: ${n} is not a CloudWatch Logs retention (one of ${RETENTIONS.join(', ')})`);
    return n;
  };
  const country = str('country', DEFAULTS.country)!;
  if (!/^[A-Z]{2}$/.test(country)) problems.push(`country: ${JSON.stringify(country)} must be an ISO 3166-1 alpha-2 code`);
  const name = str('name', DEFAULTS.name)!;
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(name)) problems.push(`name: ${JSON.stringify(name)} must be lower-case letters, digits and -, up to 31`);
  const sha = str('freepbxInstallerSha256');
  if (sha !== undefined && !/^[0-9a-f]{64}$/.test(sha)) problems.push('freepbxInstallerSha256: must be 64 hex digits');
  const ratio = Number(str('failedCallRatio', String(DEFAULTS.failedCallRatio)));
  if (!(ratio > 0 && ratio <= 1)) problems.push('failedCallRatio: must be in (0, 1]');
  const p: Params = {
    name,
    adminCidr,
    trunkCidrs,
    phoneCidrs,
    instanceType: str('instanceType', DEFAULTS.instanceType)!,
    volumeGb: num('volumeGb', DEFAULTS.volumeGb),
    rtpPorts: [rtp[0] ?? 0, rtp[1] ?? 0],
    redis,
    database,
    redisNodeType: str('redisNodeType', DEFAULTS.redisNodeType)!,
    dbInstanceType: str('dbInstanceType', DEFAULTS.dbInstanceType)!,
    lambdaIngest,
    logRetentionDays: retention('logRetentionDays', DEFAULTS.logRetentionDays),
    securityLogRetentionDays: retention('securityLogRetentionDays', DEFAULTS.securityLogRetentionDays),
    recordingsRetentionDays: num('recordingsRetentionDays', DEFAULTS.recordingsRetentionDays),
    freepbxInstallerUrl: str('freepbxInstallerUrl', DEFAULTS.freepbxInstallerUrl)!,
    country,
    failedCallRatio: ratio,
  };
  const domain = str('domain');
  if (domain !== undefined) {
    if (!/^(?=.{1,253}$)([a-z0-9](-?[a-z0-9])*\.)+[a-z]{2,}$/i.test(domain)) problems.push(`domain: ${JSON.stringify(domain)} is not a DNS name`);
    p.domain = domain;
  }
  const alarmEmail = str('alarmEmail');
  if (alarmEmail !== undefined) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) problems.push(`alarmEmail: ${JSON.stringify(alarmEmail)} is not an e-mail address`);
    p.alarmEmail = alarmEmail;
  }
  if (sha) p.freepbxInstallerSha256 = sha;
  const region = str('region', env.region);
  const account = str('account', env.account);
  if (region) p.region = region;
  if (account) p.account = account;
  if (problems.length) throw new ParamsError(problems);
  return p;
}

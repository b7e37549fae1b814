// The start-up check that Asterisk answers ARI with these credentials, and its clear errors.
import { CentralitaError } from '../../errors.ts';

/** GET /ari/api-docs/resources.json with the credentials: the HTTP status, or 0 when unreachable. */
export async function probeAri(base: string, user: string, password: string, timeoutMs: number): Promise<number> {
  try {
    const r = await fetch(`${base}/ari/api-docs/resources.json`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }, signal: AbortSignal.timeout(timeoutMs) });
    await r.body?.cancel();
    return r.status;
  } catch {
    return 0;
  }
}

export function ariProbeError(base: string, user: string, status: number): CentralitaError {
  if (status === 401 || status === 403)
    return new CentralitaError('ARI_AUTH_FAILED', `Asterisk at ${base} refused ARI user '${user}' (HTTP ${status}): check ARI_USER and ARI_PASSWORD against ari_additional_custom.conf (see dialplan/README.md)`);
  if (status === 404) return new CentralitaError('ARI_NOT_FOUND', `${base} has no ARI (HTTP 404 for /ari/api-docs/resources.json): check ARI_URL and that Asterisk's HTTP server and res_ari are enabled`);
  return new CentralitaError('ARI_UNREACHABLE', status === 0 ? `cannot reach Asterisk at ${base}` : `Asterisk at ${base} answered HTTP ${status} for the ARI API description`);
}

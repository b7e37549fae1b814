// Workarounds for ari-client and the swagger-client it bundles (see adapter.ts's header).
import { createRequire } from 'node:module';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

interface SwaggerAuthorizations { add(name: string, auth: { apply(obj: Record<string, unknown>): boolean }): unknown; remove(name: string): boolean }
interface SwaggerModule { authorizations: SwaggerAuthorizations; SwaggerApi: { prototype: { fail(message: unknown): void; failure(message: unknown): void; __noThrow?: boolean } } }
/** The swagger-client instance ari-client itself loaded (it is a dependency of ari-client). */
export function swaggerClient(): SwaggerModule {
  const fromHere = createRequire(import.meta.url);
  const fromAri = createRequire(fromHere.resolve('ari-client'));
  const swagger = fromAri('swagger-client') as SwaggerModule;
  // swagger-client's fail() reports through ari-client's failure callback (which rejects
  // connect) and then THROWS from inside the HTTP response handler: with a wrong ARI password
  // (401 on resources.json) that throw was an uncaught exception that killed the process.
  const proto = swagger.SwaggerApi.prototype;
  if (!proto.__noThrow) {
    proto.__noThrow = true;
    proto.fail = function fail(message: unknown) { this.failure(message); };
  }
  return swagger;
}
export function swaggerAuthorizations(): SwaggerAuthorizations {
  return swaggerClient().authorizations;
}

// shred copies `agent` into the User-Agent header too (a known FIXME there): give it a name.
export class AriHttpAgent extends HttpAgent { override toString() { return 'centralita'; } }
export class AriHttpsAgent extends HttpsAgent { override toString() { return 'centralita'; } }

let swaggerSilenced = false;
/** swagger-client installs a global `log` that console.logs and keeps every message forever. */
export function silenceSwaggerLog() {
  if (swaggerSilenced) return;
  swaggerSilenced = true;
  (globalThis as { log?: unknown }).log = () => {};
}

/** Parses ari-client's rejection (an Error whose message is the JSON body) into status-ish info. */
export function describeAriError(err: unknown): { message: string; notFound: boolean; status?: number } {
  const raw = err instanceof Error ? err.message : String(err);
  let message = raw;
  try {
    const body = JSON.parse(raw) as { message?: string; error?: string };
    message = body.message ?? body.error ?? raw;
  } catch {}
  const status = (err as { status?: number; statusCode?: number } | undefined)?.status ?? (err as { statusCode?: number } | undefined)?.statusCode;
  return { message, notFound: status === 404 || /not found/i.test(message), ...(typeof status === 'number' ? { status } : {}) };
}

// The app's only way to the server: JSON in and out, same-origin cookies (the session), and
// errors as ApiError with the server's stable code. A 401 means the session ended: the app
// shows the sign-in form.
import { signal } from '@preact/signals';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

/** Set when any call answered 401 (signed out elsewhere, session expired). */
export const unauthenticated = signal(false);

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  // Writes are JSON (the server refuses anything else: CSRF defence), {} when empty.
  if (method !== 'GET') headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    ...(method !== 'GET' ? { body: JSON.stringify(init.body ?? {}) } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  if (res.status === 401) unauthenticated.value = true;
  const text = await res.text();
  let data: unknown = undefined;
  try { data = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (data ?? {}) as { error?: string; message?: string };
    throw new ApiError(res.status, e.error ?? `HTTP_${res.status}`, e.message ?? res.statusText);
  }
  return data as T;
}

/** Query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

// Who is signed in (GET /api/session) and what their roles let them open.
import { computed, signal } from '@preact/signals';
import { api, ApiError, unauthenticated } from './api.ts';

export interface Me {
  kind: 'user' | 'token';
  name: string;
  roles: string[];
  agentId?: string;
  queues?: string[];
}

/** undefined = still loading; null = signed out. */
export const me = signal<Me | null | undefined>(undefined);

export async function loadSession(): Promise<void> {
  try {
    me.value = await api<Me>('/api/session');
    unauthenticated.value = false;
  } catch (err) {
    // A server without sign-in (no auth configured) has no /api/session: the local operator.
    if (err instanceof ApiError && err.status === 404) me.value = { kind: 'user', name: 'local', roles: ['admin'] };
    else me.value = null;
  }
}

/** `embedded`: inside another site's page (the HubSpot calling extension): a partitioned cookie. */
export async function signIn(username: string, password: string, o: { embedded?: boolean } = {}): Promise<void> {
  await api('/api/session', { method: 'POST', body: { username, password, ...(o.embedded ? { embedded: true } : {}) } });
  await loadSession();
}

export async function signOut(): Promise<void> {
  await api('/api/session', { method: 'DELETE' }).catch(() => undefined);
  me.value = null;
}

const has = (r: string) => me.value?.roles.includes(r) ?? false;
/** Pages each role may open (the server enforces the same on every route). */
export const can = computed(() => ({
  wallboard: has('admin') || has('supervisor') || has('campaign-operator'),
  agent: has('agent') || has('admin') || has('supervisor'),
  reports: has('admin') || has('supervisor'),
  calls: has('admin') || has('supervisor'),
  campaigns: has('admin') || has('supervisor') || has('campaign-operator'),
  cancelCampaign: has('admin') || has('campaign-operator'),
  hours: has('admin') || has('supervisor'),
}));

// Transfer controls of the agent's connected call (issue 19): pick a queue or another agent,
// then "Transfer" (blind) or "Consult" (attended: the caller on hold, the agents talk, then
// "Complete transfer" or "Cancel consult"). The app moves the legs (POST /api/agents/:id/transfer…),
// so the phone itself (softphone or desk phone) has nothing to do.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { lang } from '../i18n/index.ts';

const W = {
  es: {
    label: 'Transferir a', queue: 'Cola', agent: 'Agente', blind: 'Transferir', consult: 'Consultar', complete: 'Completar transferencia', cancel: 'Cancelar consulta',
    ringing: 'Llamando a', talking: 'Consultando con', held: 'el cliente en espera', choose: 'Elige un destino',
  },
  en: {
    label: 'Transfer to', queue: 'Queue', agent: 'Agent', blind: 'Transfer', consult: 'Consult', complete: 'Complete transfer', cancel: 'Cancel consult',
    ringing: 'Ringing', talking: 'Consulting', held: 'the caller on hold', choose: 'Choose a target',
  },
};

interface TransferState { callId: string | null; consult?: { state: 'ringing' | 'talking'; agentId: string; name?: string }; transfers: unknown[] }
interface Target { value: string; label: string; type: 'queue' | 'agent'; id: string }

export function TransferControls({ agentId }: { agentId: string }) {
  const w = W[lang.value];
  const [targets, setTargets] = useState<Target[]>([]);
  const [choice, setChoice] = useState('');
  const [state, setState] = useState<TransferState | undefined>();
  const [error, setError] = useState<string | undefined>();
  const base = `/api/agents/${encodeURIComponent(agentId)}/transfer`;

  useEffect(() => {
    let stop = false;
    void Promise.all([
      api<{ queues: { queueId: string; name?: string }[] }>('/api/queues'),
      api<{ agents: { agentId: string; name?: string; state?: string }[] }>('/api/agents'),
    ]).then(([q, a]) => {
      if (stop) return;
      setTargets([
        ...q.queues.map((x) => ({ value: `queue:${x.queueId}`, label: `${w.queue}: ${x.name ?? x.queueId}`, type: 'queue' as const, id: x.queueId })),
        ...a.agents.filter((x) => x.agentId !== agentId).map((x) => ({ value: `agent:${x.agentId}`, label: `${w.agent}: ${x.name ?? x.agentId}${x.state ? ` (${x.state})` : ''}`, type: 'agent' as const, id: x.agentId })),
      ]);
    }, () => undefined);
    // The consult's progress (the target answering, hanging up) comes from the app.
    const poll = () => { void api<TransferState>(base).then((s) => { if (!stop) setState(s); }, () => undefined); };
    poll();
    const t = setInterval(poll, 1000);
    return () => { stop = true; clearInterval(t); };
  }, [agentId]);

  const target = targets.find((t) => t.value === choice);
  const run = async (path: string, body?: unknown) => {
    setError(undefined);
    try {
      await api(path, { method: 'POST', body });
      setState(await api<TransferState>(base));
    } catch (err) { setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)); }
  };
  const k = state?.consult;
  return (
    <div data-testid="transfer" data-consult={k ? k.state : 'none'} class="transfer">
      {k ? (
        <>
          <p role="status" aria-live="polite"><strong>{k.state === 'ringing' ? w.ringing : w.talking} {k.name ?? k.agentId}</strong> · <span class="muted">{w.held}</span></p>
          <div class="row">
            <button type="button" class="primary" disabled={k.state !== 'talking'} onClick={() => void run(`${base}/complete`)}>{w.complete}</button>
            <button type="button" onClick={() => void run(`${base}/cancel`)}>{w.cancel}</button>
          </div>
        </>
      ) : (
        <div class="row">
          <label>{w.label}
            <select name="transfer-target" value={choice} onChange={(e) => setChoice((e.target as HTMLSelectElement).value)}>
              <option value="">{w.choose}</option>
              {targets.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
            </select>
          </label>
          <button type="button" disabled={!target} onClick={() => target && void run(base, { mode: 'blind', to: { type: target.type, id: target.id } })}>{w.blind}</button>
          <button type="button" disabled={target?.type !== 'agent'} onClick={() => target && void run(base, { mode: 'attended', to: { type: 'agent', id: target.id } })}>{w.consult}</button>
        </div>
      )}
      {error && <p class="error" role="alert" data-testid="transfer-error">{error}</p>}
    </div>
  );
}

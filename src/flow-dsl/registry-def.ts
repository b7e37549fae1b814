// flows/index.ts: the explicit list of flows (id → module path), the DIDs that reach them,
// and where schedules and lookups live. Paths are module paths so the loader can re-import
// one flow on change (hot reload) without restarting the process.
type ModulePath = `./${string}.ts` | `../${string}.ts`;

export interface RegistryDefinition {
  flows: Record<string, `./${string}.flow.ts`>;
  /** Inbound DID (as Asterisk sees EXTEN) → flow id. */
  dids?: Record<string, string>;
  schedules?: ModulePath;
  lookups?: ModulePath;
  queues?: ModulePath;
}

export function defineRegistry<const R extends RegistryDefinition>(r: R): R {
  return r;
}

/** Who is calling. Resolved once per request by the auth guard; services take it explicitly. */
import { DomainError } from '../errors.js';

export const ROLES = ['msp_admin', 'ingest', 'client_viewer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  tenantId: string;
  role: Role;
  /** Set for client_viewer and auditor: the one client they may read. */
  clientId: string | null;
  /** The API key id (or `bootstrap`, `cli`) for the access log. */
  keyId: string;
  label: string;
}

export function requireRole(actor: Actor, ...roles: Role[]): void {
  if (!roles.includes(actor.role)) {
    throw new DomainError('FORBIDDEN', `role ${actor.role} may not do this (needs ${roles.join(' or ')})`);
  }
}

/** Roles that may read evidence (cases, metrics, packs). `ingest` writes only. */
export const READ_ROLES: Role[] = ['msp_admin', 'client_viewer', 'auditor'];

/**
 * The clients an actor may read: null = all of the tenant's clients (msp_admin). A scoped actor asking for another
 * client gets NOT_FOUND, the same answer as for an id that does not exist, so ids cannot be probed.
 */
export function clientScope(actor: Actor, requestedClientId?: string | null): string | null {
  if (actor.clientId === null) return requestedClientId ?? null;
  if (requestedClientId && requestedClientId !== actor.clientId)
    throw new DomainError('NOT_FOUND', 'client not found');
  return actor.clientId;
}

/** A system actor for the CLI and jobs, which act for one tenant with full rights. */
export function systemActor(tenantId: string, label = 'cli'): Actor {
  return { tenantId, role: 'msp_admin', clientId: null, keyId: label, label };
}

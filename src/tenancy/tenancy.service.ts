import type { SqlRow as Row } from '../database/sql-row.js';
import { isUuid } from './uuid.js';
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { badInput, DomainError, notFound } from '../errors.js';
import { withTenant } from '../database/tenant-scope.js';
import { clientScope, READ_ROLES, requireRole, type Actor, type Role } from './actor.js';
import { generateApiKey, parseApiKey, secretMatches } from './api-key.js';
import {
  CLIENT_FRAMEWORKS,
  CRITICALITIES,
  type ApiKeyInfo,
  type Asset,
  type Client,
  type ClientFramework,
  type Criticality,
  type MaintenanceWindowSpec,
  type Tenant,
} from './tenancy.types.js';

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const toTenant = (r: Row): Tenant => ({
  id: r.id,
  name: r.name,
  timeZone: r.time_zone,
  createdAt: r.created_at,
});
const toClient = (r: Row): Client => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  frameworks: r.frameworks,
  timeZone: r.time_zone,
  maintenanceWindows: r.maintenance_windows,
  createdAt: r.created_at,
});
export const toAsset = (r: Row): Asset => ({
  id: r.id,
  tenantId: r.tenant_id,
  clientId: r.client_id,
  hostname: r.hostname,
  os: r.os,
  ring: r.ring,
  criticality: r.criticality,
  tags: r.tags,
  legacy: r.legacy,
  createdAt: r.created_at,
});
const toKey = (r: Row): ApiKeyInfo => ({
  id: r.id,
  publicId: r.public_id,
  last4: r.last4,
  role: r.role,
  clientId: r.client_id,
  label: r.label,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  createdAt: r.created_at,
});

export interface NewClient {
  name: string;
  frameworks: string[];
  timeZone?: string;
  maintenanceWindows?: MaintenanceWindowSpec[];
}

export interface NewAsset {
  clientId: string;
  hostname: string;
  os?: string | null;
  ring?: string | null;
  criticality?: string | null;
  tags?: string[] | null;
  legacy?: boolean | null;
}

export interface NewApiKey {
  role: Role;
  clientId?: string | null;
  label?: string | null;
  expiresAt?: Date | null;
}

function validateFrameworks(frameworks: string[]): ClientFramework[] {
  for (const [i, f] of frameworks.entries()) {
    if (!(CLIENT_FRAMEWORKS as readonly string[]).includes(f)) {
      throw badInput(`frameworks[${i}]`, `unknown framework "${f}" (one of ${CLIENT_FRAMEWORKS.join(', ')})`);
    }
  }
  return [...new Set(frameworks)] as ClientFramework[];
}

function validateWindows(windows: MaintenanceWindowSpec[]): MaintenanceWindowSpec[] {
  windows.forEach((w, i) => {
    if (!w.days.length || w.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
      throw badInput(`maintenanceWindows[${i}].days`, 'ISO weekdays 1 (Monday) to 7 (Sunday)');
    }
    for (const k of ['start', 'end'] as const) {
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(w[k]))
        throw badInput(`maintenanceWindows[${i}].${k}`, 'expected HH:MM');
    }
  });
  return windows;
}

@Injectable()
export class TenancyService {
  constructor(private readonly dataSource: DataSource) {}

  // --- system paths (no tenant yet): bootstrap and authentication -------------------------------------------

  async tenantCount(): Promise<number> {
    const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM tenants`);
    return n as number;
  }

  /** Creates a tenant and its first msp_admin key. The token is returned once and never stored. */
  async bootstrap(name: string, timeZone = 'UTC'): Promise<{ tenant: Tenant; token: string }> {
    if (!name.trim()) throw badInput('name', 'must not be empty');
    if (!isTimeZone(timeZone)) throw badInput('timeZone', `unknown IANA time zone "${timeZone}"`);
    const id = crypto.randomUUID();
    return this.dataSource.transaction(async (em) => {
      const [row] = await em.query(
        `INSERT INTO tenants (id, name, time_zone) VALUES ($1, $2, $3) RETURNING *`,
        [id, name.trim(), timeZone],
      );
      const key = await this.insertKey(em, id, { role: 'msp_admin', label: 'bootstrap admin' });
      return { tenant: toTenant(row), token: key.token };
    });
  }

  /** Resolves a bearer token to an Actor, or throws UNAUTHENTICATED with the same message whatever was wrong. */
  async authenticate(token: string, now: Date): Promise<Actor> {
    const parsed = parseApiKey(token);
    const denied = new DomainError('UNAUTHENTICATED', 'invalid, expired or revoked API key');
    if (!parsed) throw denied;
    // Looked up as the owner: the tenant is not known until the key is found. Only the hash is compared.
    const rows: Row[] = await this.dataSource.query(`SELECT * FROM api_keys WHERE public_id = $1`, [
      parsed.publicId,
    ]);
    const key = rows[0];
    if (!key || !secretMatches(parsed.secret, key.secret_hash)) throw denied;
    if (key.revoked_at || (key.expires_at && new Date(key.expires_at) <= now)) throw denied;
    return {
      tenantId: key.tenant_id,
      role: key.role,
      clientId: key.client_id,
      keyId: key.id,
      label: key.label,
    };
  }

  // --- tenant-scoped operations -------------------------------------------------------------------------------

  async tenant(actor: Actor): Promise<Tenant> {
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const [row] = await em.query(`SELECT * FROM tenants WHERE id = $1`, [actor.tenantId]);
      if (!row) throw notFound('tenant');
      return toTenant(row);
    });
  }

  async createClient(actor: Actor, input: NewClient): Promise<Client> {
    requireRole(actor, 'msp_admin');
    const name = input.name.trim();
    if (!name) throw badInput('name', 'must not be empty');
    const timeZone = input.timeZone ?? 'UTC';
    if (!isTimeZone(timeZone)) throw badInput('timeZone', `unknown IANA time zone "${timeZone}"`);
    const frameworks = validateFrameworks(input.frameworks);
    const windows = validateWindows(input.maintenanceWindows ?? []);
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const [dup] = await em.query(`SELECT 1 FROM clients WHERE name = $1`, [name]);
      if (dup)
        throw new DomainError('CONFLICT', `a client named "${name}" already exists`, { field: 'name' });
      const [row] = await em.query(
        `INSERT INTO clients (id, tenant_id, name, frameworks, time_zone, maintenance_windows)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [crypto.randomUUID(), actor.tenantId, name, frameworks, timeZone, JSON.stringify(windows)],
      );
      return toClient(row);
    });
  }

  async clients(actor: Actor): Promise<Client[]> {
    requireRole(actor, ...READ_ROLES);
    const scope = clientScope(actor);
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const rows: Row[] = await em.query(
        `SELECT * FROM clients WHERE ($1::uuid IS NULL OR id = $1) ORDER BY name`,
        [scope],
      );
      return rows.map(toClient);
    });
  }

  async client(actor: Actor, id: string): Promise<Client> {
    requireRole(actor, ...READ_ROLES);
    const scope = clientScope(actor, id);
    return withTenant(this.dataSource, actor.tenantId, (em) => this.clientIn(em, scope ?? id));
  }

  async clientIn(em: EntityManager, id: string): Promise<Client> {
    if (!isUuid(id)) throw notFound('client');
    const [row] = await em.query(`SELECT * FROM clients WHERE id = $1`, [id]);
    if (!row) throw notFound('client');
    return toClient(row);
  }

  async createAsset(actor: Actor, input: NewAsset): Promise<Asset> {
    requireRole(actor, 'msp_admin');
    const hostname = input.hostname.trim();
    if (!hostname || hostname.length > 255) throw badInput('hostname', 'must be 1 to 255 characters');
    const criticality = (input.criticality ?? 'medium') as Criticality;
    if (!CRITICALITIES.includes(criticality)) {
      throw badInput('criticality', `one of ${CRITICALITIES.join(', ')}`);
    }
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      await this.clientIn(em, input.clientId);
      const [dup] = await em.query(
        `SELECT 1 FROM assets WHERE client_id = $1 AND lower(hostname) = lower($2)`,
        [input.clientId, hostname],
      );
      if (dup) throw new DomainError('CONFLICT', `asset "${hostname}" already exists`, { field: 'hostname' });
      const [row] = await em.query(
        `INSERT INTO assets (id, tenant_id, client_id, hostname, os, ring, criticality, tags, legacy)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          crypto.randomUUID(),
          actor.tenantId,
          input.clientId,
          hostname,
          input.os ?? null,
          input.ring ?? 'production',
          criticality,
          input.tags ?? [],
          input.legacy ?? false,
        ],
      );
      return toAsset(row);
    });
  }

  async assets(actor: Actor, clientId: string): Promise<Asset[]> {
    requireRole(actor, ...READ_ROLES);
    const scope = clientScope(actor, clientId);
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const client = await this.clientIn(em, scope ?? clientId);
      const rows: Row[] = await em.query(`SELECT * FROM assets WHERE client_id = $1 ORDER BY hostname`, [
        client.id,
      ]);
      return rows.map(toAsset);
    });
  }

  async createApiKey(actor: Actor, input: NewApiKey, now: Date): Promise<{ key: ApiKeyInfo; token: string }> {
    requireRole(actor, 'msp_admin');
    if ((input.role === 'client_viewer' || input.role === 'auditor') && !input.clientId) {
      throw badInput('clientId', `a ${input.role} key is scoped to one client`);
    }
    if (input.role === 'auditor' && !input.expiresAt)
      throw badInput('expiresAt', 'an auditor key must expire');
    if (input.expiresAt && input.expiresAt <= now) throw badInput('expiresAt', 'must be in the future');
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      if (input.clientId) await this.clientIn(em, input.clientId);
      return this.insertKey(em, actor.tenantId, input);
    });
  }

  private async insertKey(em: EntityManager, tenantId: string, input: NewApiKey) {
    const k = generateApiKey();
    const [row] = await em.query(
      `INSERT INTO api_keys (id, tenant_id, public_id, secret_hash, last4, role, client_id, label, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        crypto.randomUUID(),
        tenantId,
        k.publicId,
        k.secretHash,
        k.last4,
        input.role,
        input.clientId ?? null,
        input.label ?? '',
        input.expiresAt ?? null,
      ],
    );
    return { key: toKey(row), token: k.token };
  }

  async apiKeys(actor: Actor): Promise<ApiKeyInfo[]> {
    requireRole(actor, 'msp_admin');
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const rows: Row[] = await em.query(`SELECT * FROM api_keys ORDER BY created_at`);
      return rows.map(toKey);
    });
  }

  async revokeApiKey(actor: Actor, id: string, now: Date): Promise<ApiKeyInfo> {
    requireRole(actor, 'msp_admin');
    if (!isUuid(id)) throw notFound('API key');
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const [row] = await em.query(
        // Wrapped in a CTE: TypeORM answers a bare UPDATE with [rows, count] instead of rows.
        `WITH u AS (UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING *) SELECT * FROM u`,
        [id, now],
      );
      if (!row) throw notFound('API key');
      return toKey(row);
    });
  }

  async recordAccess(
    actor: Actor,
    action: string,
    subjectId: string | null,
    detail: object = {},
  ): Promise<void> {
    await withTenant(this.dataSource, actor.tenantId, (em) =>
      em.query(
        `INSERT INTO access_log (tenant_id, actor, action, subject_id, detail) VALUES ($1, $2, $3, $4, $5)`,
        [actor.tenantId, `${actor.role}:${actor.keyId}`, action, subjectId, JSON.stringify(detail)],
      ),
    );
  }
}

export { isUuid };

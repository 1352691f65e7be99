/**
 * Browser sessions for the evidence pages: a person signs in once with an API key and gets a cookie holding a random
 * session id. Only the id's SHA-256 is stored, the session ends after SESSION_HOURS or at logout, and every use
 * re-reads the API key behind it, so revoking or expiring the key ends its sessions too.
 */
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SqlRow as Row } from '../database/sql-row.js';
import { withTenant } from '../database/tenant-scope.js';
import { DomainError } from '../errors.js';
import { READ_ROLES, type Actor } from './actor.js';
import { TenancyService } from './tenancy.service.js';

export const SESSION_HOURS = 8;
const SESSION_PATTERN = /^ppsess_[A-Za-z0-9_-]{43}$/;

const digest = (id: string): string => crypto.createHash('sha256').update(id, 'utf8').digest('hex');

@Injectable()
export class WebSessionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenancy: TenancyService,
  ) {}

  /** Signs in with an API key of a reading role; returns the session id (for the cookie) and its expiry. */
  async start(apiKey: string, now: Date): Promise<{ sessionId: string; expiresAt: Date; actor: Actor }> {
    const actor = await this.tenancy.authenticate(apiKey, now);
    if (!READ_ROLES.includes(actor.role))
      throw new DomainError('FORBIDDEN', `role ${actor.role} cannot read evidence`);
    const sessionId = 'ppsess_' + crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600 * 1000);
    await withTenant(this.dataSource, actor.tenantId, async (em) => {
      await em.query(
        `INSERT INTO web_sessions (id, tenant_id, id_hash, api_key_id, expires_at) VALUES ($1, $2, $3, $4, $5)`,
        [crypto.randomUUID(), actor.tenantId, digest(sessionId), actor.keyId, expiresAt.toISOString()],
      );
      await em.query(
        `INSERT INTO access_log (tenant_id, actor, action, subject_id, detail) VALUES ($1, $2, 'session.start', NULL, $3)`,
        [actor.tenantId, `${actor.role}:${actor.keyId}`, JSON.stringify({ label: actor.label })],
      );
    });
    return { sessionId, expiresAt, actor };
  }

  /** The caller behind a session cookie, or null when the session or its key is unknown, ended or expired. */
  async actor(sessionId: string, now: Date): Promise<Actor | null> {
    if (!SESSION_PATTERN.test(sessionId)) return null;
    // Looked up by digest as the login role: the tenant is not known until the session is found.
    const [r] = await this.dataSource.query<Row[]>(
      `SELECT s.tenant_id, s.expires_at, s.ended_at, k.id AS key_id, k.role, k.client_id, k.label,
              k.revoked_at, k.expires_at AS key_expires_at
       FROM web_sessions s JOIN api_keys k ON k.id = s.api_key_id WHERE s.id_hash = $1`,
      [digest(sessionId)],
    );
    if (!r || r.ended_at || new Date(r.expires_at) <= now || r.revoked_at) return null;
    if (r.key_expires_at && new Date(r.key_expires_at) <= now) return null;
    return { tenantId: r.tenant_id, role: r.role, clientId: r.client_id, keyId: r.key_id, label: r.label };
  }

  async end(sessionId: string, now: Date): Promise<void> {
    if (!SESSION_PATTERN.test(sessionId)) return;
    const [r] = await this.dataSource.query<Row[]>(`SELECT tenant_id FROM web_sessions WHERE id_hash = $1`, [
      digest(sessionId),
    ]);
    if (!r) return;
    await withTenant(this.dataSource, r.tenant_id, (em) =>
      em.query(
        `WITH u AS (UPDATE web_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL RETURNING 1)
         SELECT * FROM u`,
        [digest(sessionId), now.toISOString()],
      ),
    );
  }
}

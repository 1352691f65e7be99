/**
 * Share links: read access to one pack or attestation for someone without an account (an insurer, an auditor).
 * The token is shown once; only its SHA-256 is stored. The pack a link reaches comes from the link row, never from
 * the request, so a link can reach nothing else. Every refusal (unknown, expired, revoked, used up) is the same
 * NOT_FOUND, so a token cannot be probed for which of these it is.
 */
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { SqlRow as Row } from '../database/sql-row.js';
import { withTenant } from '../database/tenant-scope.js';
import { badInput, notFound } from '../errors.js';
import { readPackArchive } from '../evidence/archive.js';
import { EvidenceService, type EvidencePackRecord } from '../evidence/evidence.service.js';
import type { PackVerification } from '../evidence/verify-pack.js';
import { requireRole, type Actor } from '../tenancy/actor.js';
import { isUuid } from '../tenancy/tenancy.service.js';

export const SHARE_TOKEN_PREFIX = 'pps_';
/** 32 random bytes, base64url: 256 bits. */
const TOKEN_PATTERN = /^pps_[A-Za-z0-9_-]{43}$/;
const MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;
const MAX_DOWNLOADS = 10_000;

export interface ShareLink {
  id: string;
  packId: string;
  /** The first characters of the token, to tell links apart in a list; not enough to use one. */
  tokenPrefix: string;
  expiresAt: Date;
  maxDownloads: number | null;
  downloads: number;
  revokedAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

export interface NewShareLink {
  packId: string;
  expiresAt: Date;
  maxDownloads?: number | null;
}

/** What a share-link page shows: the pack, its stored archive, and whether that archive verifies now. */
export interface SharedPack {
  link: ShareLink;
  pack: EvidencePackRecord;
  archive: { fileName: string; sha256: string; size: number };
  verification: PackVerification & { verifiedAt: Date };
}

const toLink = (r: Row): ShareLink => ({
  id: r.id,
  packId: r.pack_id,
  tokenPrefix: r.token_prefix,
  expiresAt: r.expires_at,
  maxDownloads: r.max_downloads,
  downloads: r.downloads,
  revokedAt: r.revoked_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export const hashShareToken = (token: string): string =>
  crypto.createHash('sha256').update(token, 'utf8').digest('hex');

const usable = (r: Row, now: Date): boolean =>
  r.revoked_at === null &&
  new Date(r.expires_at) > now &&
  (r.max_downloads === null || r.downloads < r.max_downloads);

@Injectable()
export class ShareLinksService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly evidence: EvidenceService,
  ) {}

  async create(actor: Actor, input: NewShareLink, now: Date): Promise<{ link: ShareLink; token: string }> {
    requireRole(actor, 'msp_admin');
    const expires = input.expiresAt.getTime();
    if (!(expires > now.getTime())) throw badInput('expiresAt', 'must be in the future');
    if (expires - now.getTime() > MAX_LIFETIME_MS) throw badInput('expiresAt', 'at most 366 days ahead');
    const max = input.maxDownloads ?? null;
    if (max !== null && (!Number.isInteger(max) || max < 1 || max > MAX_DOWNLOADS))
      throw badInput('maxDownloads', `between 1 and ${MAX_DOWNLOADS}`);
    // Only a ready pack can be shared: the page verifies and serves its stored archive.
    await this.evidence.archiveOf(actor, input.packId);
    const token = SHARE_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const [row] = await em.query(
        `INSERT INTO share_links (id, tenant_id, pack_id, token_hash, token_prefix, expires_at, max_downloads, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [
          crypto.randomUUID(),
          actor.tenantId,
          input.packId,
          hashShareToken(token),
          token.slice(0, 8),
          input.expiresAt.toISOString(),
          max,
          `${actor.role}:${actor.keyId}`,
        ],
      );
      await this.log(em, actor.tenantId, `${actor.role}:${actor.keyId}`, 'share_link.create', input.packId, {
        shareLinkId: row.id,
        expiresAt: input.expiresAt.toISOString(),
        maxDownloads: max,
      });
      return { link: toLink(row), token };
    });
  }

  async list(actor: Actor, packId?: string | null): Promise<ShareLink[]> {
    requireRole(actor, 'msp_admin');
    if (packId && !isUuid(packId)) return [];
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const rows: Row[] = await em.query(
        `SELECT * FROM share_links WHERE ($1::uuid IS NULL OR pack_id = $1) ORDER BY created_at DESC LIMIT 500`,
        [packId ?? null],
      );
      return rows.map(toLink);
    });
  }

  async revoke(actor: Actor, id: string, now: Date): Promise<ShareLink> {
    requireRole(actor, 'msp_admin');
    if (!isUuid(id)) throw notFound('share link');
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const [row] = await em.query(
        `WITH u AS (UPDATE share_links SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING *)
         SELECT * FROM u`,
        [id, now.toISOString()],
      );
      if (!row) throw notFound('share link');
      await this.log(em, actor.tenantId, `${actor.role}:${actor.keyId}`, 'share_link.revoke', row.pack_id, {
        shareLinkId: id,
      });
      return toLink(row);
    });
  }

  /** The landing page's content; the view is recorded with the archive's SHA-256. */
  async view(token: string, now: Date): Promise<SharedPack> {
    const { row, actor } = await this.resolve(token, now);
    const archive = await this.evidence.archiveOf(actor, row.pack_id);
    const verification = await this.evidence.verifyStoredArchive(archive.path, now.getTime());
    await withTenant(this.dataSource, actor.tenantId, (em) =>
      this.log(em, actor.tenantId, actor.keyId, 'share_link.view', row.pack_id, {
        shareLinkId: row.id,
        sha256: archive.sha256,
        verified: verification.ok,
      }),
    );
    const { pack, fileName, sha256, size } = archive;
    return { link: toLink(row), pack, archive: { fileName, sha256, size }, verification };
  }

  /**
   * One download through the link (the archive, or the PDF read out of it). The download is counted and
   * recorded in one transaction that also re-checks the link, so concurrent downloads cannot pass the limit.
   */
  async download(
    token: string,
    what: 'archive' | 'pdf',
    now: Date,
  ): Promise<{ fileName: string; sha256: string; size: number; path?: string; data?: Buffer }> {
    const { row, actor } = await this.resolve(token, now);
    const archive = await this.evidence.archiveOf(actor, row.pack_id);
    let pdf: { name: string; data: Buffer } | undefined;
    if (what === 'pdf') {
      const entries = await readPackArchive(archive.path, undefined, { keep: (n) => n.endsWith('.pdf') });
      const entry = entries.find((e) => e.data && e.name.endsWith('.pdf'));
      if (!entry?.data) throw notFound('PDF in the pack');
      pdf = { name: entry.name, data: entry.data };
    }
    await withTenant(this.dataSource, actor.tenantId, async (em) => {
      const [counted] = await em.query(
        `WITH u AS (UPDATE share_links SET downloads = downloads + 1
                    WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2
                      AND (max_downloads IS NULL OR downloads < max_downloads) RETURNING 1)
         SELECT * FROM u`,
        [row.id, now.toISOString()],
      );
      if (!counted) throw notFound('share link');
      await this.log(em, actor.tenantId, actor.keyId, 'share_link.download', row.pack_id, {
        shareLinkId: row.id,
        sha256: archive.sha256,
        file: pdf ? pdf.name : archive.fileName,
      });
    });
    if (pdf) return { fileName: pdf.name, sha256: archive.sha256, size: pdf.data.length, data: pdf.data };
    return { fileName: archive.fileName, sha256: archive.sha256, size: archive.size, path: archive.path };
  }

  /**
   * Token → link and a reader bound to the link's one pack. Looked up by digest as the login role (the tenant is
   * not known until the link is found), like API keys; everything after runs under the tenant's RLS.
   */
  private async resolve(token: string, now: Date): Promise<{ row: Row; actor: Actor }> {
    if (!TOKEN_PATTERN.test(token)) throw notFound('share link');
    const [row] = await this.dataSource.query<Row[]>(`SELECT * FROM share_links WHERE token_hash = $1`, [
      hashShareToken(token),
    ]);
    if (!row || !usable(row, now)) throw notFound('share link');
    const actor: Actor = {
      tenantId: row.tenant_id,
      role: 'auditor',
      clientId: null,
      keyId: `share_link:${row.id}`,
      label: `share link ${row.token_prefix}…`,
    };
    return { row, actor };
  }

  private async log(
    em: EntityManager,
    tenantId: string,
    actor: string,
    action: string,
    subjectId: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await em.query(
      `INSERT INTO access_log (tenant_id, actor, action, subject_id, detail) VALUES ($1, $2, $3, $4, $5)`,
      [tenantId, actor, action, subjectId, JSON.stringify(detail)],
    );
  }
}

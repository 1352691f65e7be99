/**
 * Insurer attestations: a one-page signed statement for one client as of an instant, stored as an `evidence_packs`
 * row of kind `attestation` so downloads, the access log and verification work as for packs. The attestation covers
 * the 12 calendar months (UTC) before its as-of instant: insurers ask about the last policy year, and a year holds
 * every quarterly scan and renewal cycle an underwriter may probe.
 *
 * Rendered inline (one page, seconds): the caller gets a ready record or the error, never a queued promise.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { withTenant } from '../database/tenant-scope.js';
import type { SqlRow as Row } from '../database/sql-row.js';
import { badInput, DomainError } from '../errors.js';
import { LOGGER } from '../logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { requireRole, type Actor } from '../tenancy/actor.js';
import {
  buildAttestation,
  loadAttestationWording,
  type AttestationWording,
} from './attestation/attestation.js';
import { assembleAttestation } from './attestation/attestation-assembler.js';
import { EvidenceService, toRecord, type EvidencePackRecord } from './evidence.service.js';
import { SigningService } from './signing.service.js';

export const ATTESTATION_MONTHS = 12;

/** The window an attestation covers: the 12 calendar months (UTC) before as-of, as-of exclusive. */
export function attestationPeriod(asOf: number): { from: number; to: number } {
  const d = new Date(asOf);
  const from = Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth() - ATTESTATION_MONTHS,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
  return { from, to: asOf };
}

@Injectable()
export class AttestationService implements OnModuleInit {
  private wording: AttestationWording | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    private readonly evidence: EvidenceService,
    private readonly signing: SigningService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A broken wording file stops the service at start, naming the key, rather than reaching an underwriter. */
  onModuleInit(): void {
    this.attestationWording();
  }

  private attestationWording(): AttestationWording {
    this.wording ??= loadAttestationWording();
    return this.wording;
  }

  /** Records, renders, signs and stores an attestation; returns the ready record (or throws, leaving it failed). */
  async generate(actor: Actor, clientId: string, asOfInput?: number | null): Promise<EvidencePackRecord> {
    requireRole(actor, 'msp_admin');
    const asOf = asOfInput ?? Date.now();
    if (!Number.isFinite(asOf)) throw badInput('asOf', 'not a valid instant');
    if (asOf > Date.now() + 5 * 60_000) throw badInput('asOf', 'must not be in the future');
    const period = attestationPeriod(asOf);
    const { record, legacy } = await withTenant(this.dataSource, actor.tenantId, async (em) => {
      const client = await this.metrics.clientRef(em, clientId);
      if (client.frameworks.length === 0) throw badInput('clientId', 'the client has no framework in scope');
      const policyKey = this.metrics.policyKeyFor(client);
      const policy = await this.metrics.resolvePolicy(em, policyKey);
      const [row] = await em.query(
        `INSERT INTO evidence_packs (id, tenant_id, client_id, kind, period_from, period_to, frameworks, policy_key,
           policy_version, as_of, status, progress, requested_by)
         VALUES ($1, $2, $3, 'attestation', $4, $5, $6, $7, $8, $9, 'running', 5, $10) RETURNING *`,
        [
          crypto.randomUUID(),
          actor.tenantId,
          client.id,
          new Date(period.from).toISOString(),
          new Date(period.to).toISOString(),
          client.frameworks,
          policyKey,
          policy.versions.at(-1)?.version ?? null,
          new Date(asOf).toISOString(),
          `${actor.role}:${actor.keyId}`,
        ],
      );
      // End-of-life systems come from the inventory; their compensating controls from the exceptions on them.
      const assets: Row[] = await em.query(
        `SELECT hostname, os FROM assets WHERE client_id = $1 AND legacy ORDER BY lower(hostname)`,
        [client.id],
      );
      return {
        record: toRecord(row),
        legacy: assets.map((a) => ({
          hostname: a.hostname as string,
          ...(a.os ? { os: a.os as string } : {}),
          compensatingControls: [],
        })),
      };
    });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-attestation-'));
    try {
      const signingTime = new Date();
      const content = await this.evidence.content(actor.tenantId, record, signingTime.getTime());
      const wording = this.attestationWording();
      const attestation = buildAttestation(content, { wording, legacyAssets: legacy });
      const assembled = await assembleAttestation({
        content,
        attestation,
        wording,
        key: await this.signing.signingKey(),
        outDir: work,
        signingTime,
      });
      const dir = path.join(this.config.packStorageDir, actor.tenantId);
      fs.mkdirSync(dir, { recursive: true });
      const final = path.join(dir, path.basename(assembled.archivePath));
      fs.copyFileSync(assembled.archivePath, final);
      const bytes = fs.readFileSync(final);
      const summary = {
        kind: 'attestation',
        client: content.client.name,
        period: content.periodLabel,
        attestationId: attestation.attestationId,
        answers: attestation.answers,
        kevOpenPastDue: attestation.kev.openPastDue.length,
        legacyAssets: attestation.legacyAssets?.length ?? null,
        openExceptions: attestation.openExceptions.length,
        ledgerVerified: content.provenance.ledger.verified,
      };
      const [row] = await withTenant(this.dataSource, actor.tenantId, (em) =>
        em.query(
          `WITH u AS (UPDATE evidence_packs SET status = 'ready', progress = 100, archive_path = $2, archive_sha256 = $3,
             archive_size = $4, manifest = $5, summary = $6, finished_at = now() WHERE id = $1 RETURNING *)
           SELECT * FROM u`,
          [
            record.id,
            final,
            crypto.createHash('sha256').update(bytes).digest('hex'),
            bytes.length,
            JSON.stringify(assembled.manifest),
            JSON.stringify(summary),
          ],
        ),
      );
      return toRecord(row as Row);
    } catch (err) {
      this.logger.error({ err, attestationId: record.id }, 'attestation rendering failed');
      await this.fail(
        actor.tenantId,
        record.id,
        err instanceof DomainError ? err.message : 'rendering failed; see the service log',
      );
      throw err;
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  private async fail(tenantId: string, id: string, message: string): Promise<void> {
    await withTenant(this.dataSource, tenantId, (em) =>
      em.query(
        `WITH u AS (UPDATE evidence_packs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 RETURNING 1)
         SELECT * FROM u`,
        [id, message],
      ),
    );
  }
}

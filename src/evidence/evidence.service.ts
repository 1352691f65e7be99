/**
 * Evidence packs end to end: a request records a queued pack and enqueues a job; the worker (or the CLI, inline)
 * cuts the content as of the requested instant, renders and signs every part, and stores the archive immutably
 * (written to a temporary name, then renamed; never regenerated in place: a new request makes a new pack).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { loadFrameworkCatalogs, type FrameworkCatalogs } from '../controls/catalog.js';
import type { FrameworkId } from '../controls/control.types.js';
import { withTenant } from '../database/tenant-scope.js';
import { badInput, DomainError, notFound } from '../errors.js';
import { verifyTenantLedger } from '../ingestion/ledger-verification.js';
import type { LedgerEvent } from '../ingestion/patch-event.js';
import { LOGGER } from '../logger.js';
import type { Period } from '../metrics/metrics-report.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { clientScope, READ_ROLES, requireRole, type Actor } from '../tenancy/actor.js';
import { isUuid } from '../tenancy/tenancy.service.js';
import { VulnerabilityService } from '../vulnerabilities/vulnerability.service.js';
import { buildPackContent } from './build-pack-content.js';
import { fillEvidenceTrails } from './evidence-trails.js';
import { copyOn, eventsCsvWorkerEntry, runEventsCsvWorker } from './csv/events-csv-worker.js';
import { writeEventsCsvGzByCopy, type EventsCsvWritten } from './csv/pack-csv.js';
import type { EvidencePackContent, PeriodEventsScope } from './pack-content.js';
import { periodEvents } from './period-events.js';
import { assemblePack, type PackTimings } from './pack-assembler.js';
import { loadReportTemplates } from './pdf/report-templates.js';
import { renderPackPdf } from './pdf/pack-pdf.renderer.js';
import { SigningService } from './signing.service.js';
import { verifyPack, type PackVerification } from './verify-pack.js';
import { packXlsxWorkerEntry, runPackXlsxWorker, xlsxWorkerHeapMb } from './xlsx/pack-xlsx-worker.js';
import type { XlsxOptions, XlsxResult } from './xlsx/pack-xlsx-options.js';
import type { SqlRow as Row } from '../database/sql-row.js';

// Read from the working directory (the project root for npm scripts, the CLI and tests; dist/ has no package.json).
const VERSION = (JSON.parse(fs.readFileSync(path.resolve('package.json'), 'utf8')) as { version: string })
  .version;

export const PACK_FRAMEWORKS: FrameworkId[] = ['hipaa', 'pci-dss', 'sox-itgc', 'nist-800-53', 'cis-v8'];

export interface PackRequest {
  clientId: string;
  period: Period;
  frameworks?: FrameworkId[] | null;
  policy?: string | null;
  asOf?: number | null;
  /** Scheduled runs pass `monthly:<client>:<YYYY-MM>:<policy@version>` so a rerun finds the existing pack. */
  idempotencyKey?: string | null;
}

export interface EvidencePackRecord {
  id: string;
  tenantId: string;
  clientId: string;
  kind: 'pack' | 'attestation';
  periodFrom: Date;
  periodTo: Date;
  frameworks: string[];
  policyKey: string;
  policyVersion: number | null;
  asOf: Date;
  status: 'queued' | 'running' | 'ready' | 'failed';
  progress: number;
  error: string | null;
  archiveSha256: string | null;
  archiveSize: number | null;
  summary: Record<string, unknown> | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export const toRecord = (r: Row): EvidencePackRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  clientId: r.client_id,
  kind: r.kind,
  periodFrom: r.period_from,
  periodTo: r.period_to,
  frameworks: r.frameworks,
  policyKey: r.policy_key,
  policyVersion: r.policy_version,
  asOf: r.as_of,
  status: r.status,
  progress: r.progress,
  error: r.error,
  archiveSha256: r.archive_sha256,
  archiveSize: r.archive_size === null ? null : Number(r.archive_size),
  summary: r.summary,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

@Injectable()
export class EvidenceService implements OnModuleInit {
  private catalogs: FrameworkCatalogs | null = null;
  private templates: ReturnType<typeof loadReportTemplates> | null = null;
  private readonly verifiedArchives = new Map<
    string,
    { identity: string; result: PackVerification & { verifiedAt: Date } }
  >();

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    private readonly vulnerabilities: VulnerabilityService,
    private readonly signing: SigningService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A broken catalog or report template stops the service at start with the file and field at fault. */
  onModuleInit(): void {
    this.frameworkCatalogs();
    this.reportTemplates();
  }

  /** Catalogs and report templates are validated once; a broken one stops whoever asked with a clear message. */
  frameworkCatalogs(): FrameworkCatalogs {
    this.catalogs ??= loadFrameworkCatalogs(path.resolve('templates/frameworks'));
    return this.catalogs;
  }

  private reportTemplates() {
    this.templates ??= loadReportTemplates(path.resolve('templates/reports'));
    return this.templates;
  }

  /** Records a queued pack (or returns the existing one for the same idempotency key). */
  async request(actor: Actor, req: PackRequest): Promise<EvidencePackRecord> {
    requireRole(actor, 'msp_admin');
    const asOf = req.asOf ?? Date.now();
    if (!(req.period.from < req.period.to)) throw badInput('period', 'from must be before to');
    if (asOf < req.period.from) throw badInput('asOf', 'must not be before the period starts');
    // A pack is cut from what has arrived: a future as-of would let its figures change after it is signed.
    if (asOf > Date.now() + 60_000) throw badInput('asOf', 'must not be in the future');
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const client = await this.metrics.clientRef(em, req.clientId);
      const frameworks = req.frameworks?.length
        ? [...new Set(req.frameworks)]
        : (client.frameworks as FrameworkId[]);
      for (const [i, f] of frameworks.entries()) {
        if (!PACK_FRAMEWORKS.includes(f)) throw badInput(`frameworks[${i}]`, `unknown framework "${f}"`);
      }
      if (frameworks.length === 0)
        throw badInput('frameworks', 'the client has no framework in scope; pass frameworks');
      const policyKey = this.metrics.policyKeyFor(client, req.policy);
      const policy = await this.metrics.resolvePolicy(em, policyKey);
      if (req.idempotencyKey) {
        const [existing] = await em.query(`SELECT * FROM evidence_packs WHERE idempotency_key = $1`, [
          req.idempotencyKey,
        ]);
        if (existing) return toRecord(existing);
      }
      const [row] = await em.query(
        `INSERT INTO evidence_packs (id, tenant_id, client_id, period_from, period_to, frameworks, policy_key, policy_version,
           as_of, status, requested_by, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $11)
         ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING *`,
        [
          crypto.randomUUID(),
          actor.tenantId,
          client.id,
          new Date(req.period.from).toISOString(),
          new Date(req.period.to).toISOString(),
          frameworks,
          policyKey,
          policy.versions.at(-1)?.version ?? null,
          new Date(asOf).toISOString(),
          `${actor.role}:${actor.keyId}`,
          req.idempotencyKey ?? null,
        ],
      );
      if (row) return toRecord(row);
      const [existing] = await em.query(`SELECT * FROM evidence_packs WHERE idempotency_key = $1`, [
        req.idempotencyKey,
      ]);
      return toRecord(existing);
    });
  }

  async get(actor: Actor, id: string): Promise<EvidencePackRecord> {
    requireRole(actor, ...READ_ROLES);
    if (!isUuid(id)) throw notFound('evidence pack');
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const [row] = await em.query(`SELECT * FROM evidence_packs WHERE id = $1`, [id]);
      if (!row) throw notFound('evidence pack');
      clientScopeOrNotFound(actor, row.client_id);
      return toRecord(row);
    });
  }

  async list(actor: Actor, clientId?: string | null): Promise<EvidencePackRecord[]> {
    requireRole(actor, ...READ_ROLES);
    const scoped = clientScope(actor, clientId);
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const rows: Row[] = await em.query(
        `SELECT * FROM evidence_packs WHERE ($1::uuid IS NULL OR client_id = $1) ORDER BY created_at DESC LIMIT 200`,
        [scoped],
      );
      return rows.map(toRecord);
    });
  }

  /** Content for an ad-hoc evaluation (controlEvaluation): the same path as a pack, nothing stored. */
  async preview(
    actor: Actor,
    req: PackRequest,
    sample: { seed?: string; size?: number } = {},
  ): Promise<EvidencePackContent> {
    requireRole(actor, ...READ_ROLES);
    const clientId = clientScope(actor, req.clientId) ?? req.clientId;
    const asOf = req.asOf ?? Date.now();
    const client = await withTenant(this.dataSource, actor.tenantId, (em) =>
      this.metrics.clientRef(em, clientId),
    );
    const pack: EvidencePackRecord = {
      id: 'preview',
      tenantId: actor.tenantId,
      clientId: client.id,
      kind: 'pack',
      periodFrom: new Date(req.period.from),
      periodTo: new Date(req.period.to),
      frameworks: req.frameworks ?? client.frameworks,
      policyKey: this.metrics.policyKeyFor(client, req.policy),
      policyVersion: null,
      asOf: new Date(asOf),
      status: 'running',
      progress: 0,
      error: null,
      archiveSha256: null,
      archiveSize: null,
      summary: null,
      createdAt: new Date(asOf),
      finishedAt: null,
    };
    return this.content(actor.tenantId, pack, asOf, sample);
  }

  /** Renders a queued pack. Safe to call twice: a pack that is already ready is left alone. */
  async render(
    tenantId: string,
    packId: string,
  ): Promise<{ archivePath: string; timings: PackTimings } | null> {
    const row = await withTenant(this.dataSource, tenantId, async (em) => {
      const [r] = await em.query(
        `WITH u AS (UPDATE evidence_packs SET status = 'running', progress = 5, error = NULL
                    WHERE id = $1 AND status <> 'ready' AND kind = 'pack' RETURNING *) SELECT * FROM u`,
        [packId],
      );
      return r as Row | undefined;
    });
    if (!row) return null;
    const record = toRecord(row);
    const scope: PeriodEventsScope = {
      clientId: record.clientId,
      period: { from: record.periodFrom.getTime(), to: record.periodTo.getTime() },
      asOf: record.asOf.getTime(),
    };
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-pack-'));
    // events.csv.gz needs only the scope: the database starts its COPY while this thread builds the content.
    const earlyCsv = this.startEventsCsvEarly(tenantId, scope, path.join(work, 'early-events.csv.gz'));
    try {
      const generatedAt = Date.now();
      const content = await this.content(tenantId, record, generatedAt);
      await this.progress(tenantId, packId, 40);
      const key = await this.signing.signingKey();
      const dir = path.join(this.config.packStorageDir, tenantId);
      fs.mkdirSync(dir, { recursive: true });
      const { layout, branding } = this.reportTemplates();
      const assembled = await assemblePack({
        content,
        events: () => this.eventStream(tenantId, row.client_id, content.period, content.asOf),
        writeEventsCsv: earlyCsv
          ? async (file) => {
              const written = await earlyCsv.written;
              fs.renameSync(earlyCsv.file, file);
              return written;
            }
          : (file) => this.writeEventsCsv(tenantId, scope, file),
        writeXlsx: this.xlsxWorker(tenantId, scope, content),
        renderPdf: (c, placeholder) =>
          renderPackPdf(c, { layout, branding, signaturePlaceholder: (doc) => placeholder(doc) }),
        key,
        outDir: work,
        eventsCap: this.config.packEventsSheetCap,
        concurrent: this.config.packPartsConcurrent,
        signingTime: new Date(generatedAt),
      });
      const final = path.join(dir, path.basename(assembled.archivePath));
      fs.renameSync(assembled.archivePath, final);
      await withTenant(this.dataSource, tenantId, (em) =>
        em.query(
          `WITH u AS (UPDATE evidence_packs SET status = 'ready', progress = 100, archive_path = $2, archive_sha256 = $3,
             archive_size = $4, manifest = $5, summary = $6, policy_version = $7, finished_at = now() WHERE id = $1 RETURNING 1)
           SELECT * FROM u`,
          [
            packId,
            final,
            assembled.archive.sha256,
            assembled.archive.size,
            JSON.stringify(assembled.manifest),
            JSON.stringify(summaryOf(content)),
            content.policy.version,
          ],
        ),
      );
      return { archivePath: final, timings: assembled.timings };
    } catch (err) {
      this.logger.error({ err, packId }, 'pack rendering failed');
      const message = err instanceof DomainError ? err.message : 'rendering failed; see the service log';
      await withTenant(this.dataSource, tenantId, (em) =>
        em.query(
          `WITH u AS (UPDATE evidence_packs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 RETURNING 1) SELECT * FROM u`,
          [packId, message],
        ),
      );
      throw err;
    } finally {
      // A COPY still writing into the work folder (the content failed first) finishes before the folder goes.
      await earlyCsv?.written.catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * events.csv.gz started before the pack's content is built, in its worker thread (PostgreSQL with concurrent
   * parts); null otherwise (the embedded database's one connection would only make the content wait).
   */
  private startEventsCsvEarly(
    tenantId: string,
    scope: PeriodEventsScope,
    file: string,
  ): { file: string; written: Promise<EventsCsvWritten> } | null {
    const entry = this.config.packPartsConcurrent ? eventsCsvWorkerEntry() : null;
    const databaseUrl = this.config.databaseUrl;
    if (!entry || !databaseUrl) return null;
    const written = runEventsCsvWorker(entry, { databaseUrl, tenantId, scope, file });
    // Awaited by the assembly, or by render's cleanup when the content fails first.
    written.catch(() => undefined);
    return { file, written };
  }

  private async progress(tenantId: string, packId: string, pct: number): Promise<void> {
    await withTenant(this.dataSource, tenantId, (em) =>
      em.query(
        `WITH u AS (UPDATE evidence_packs SET progress = $2 WHERE id = $1 RETURNING 1) SELECT * FROM u`,
        [packId, pct],
      ),
    );
  }

  /** The pack's content, as of the pack's instant (deterministic for the same ledger and as-of). */
  async content(
    tenantId: string,
    pack: EvidencePackRecord,
    generatedAt: number,
    sample: { seed?: string; size?: number } = {},
  ): Promise<EvidencePackContent> {
    return withTenant(this.dataSource, tenantId, async (em) => {
      const asOf = pack.asOf.getTime();
      const period = { from: pack.periodFrom.getTime(), to: pack.periodTo.getTime() };
      const client = await this.metrics.clientRef(em, pack.clientId);
      // Without event ids: the few the pack lists are loaded after the evaluation (see evidence-trails).
      const scope = await this.metrics.scope(em, tenantId, client, period, pack.policyKey, asOf, {
        eventIds: false,
      });
      const [tenant] = await em.query(`SELECT id, name FROM tenants WHERE id = $1`, [tenantId]);
      const content = buildPackContent({
        packId: pack.id,
        generatedAt,
        tenant: { id: tenant.id, name: tenant.name },
        scope: { ...scope, client },
        frameworks: pack.frameworks as FrameworkId[],
        catalogs: this.frameworkCatalogs().catalogs,
        ...(await this.ledgerFacts(em, tenantId, client.id, period, asOf)),
        vulnerabilityFeeds: await this.vulnerabilities.feedVersions(em),
        generator: { name: 'patchproof', version: VERSION, node: process.version },
        sampleSeed: sample.seed,
        sampleSize: sample.size,
      });
      await fillEvidenceTrails(content, (keys) => this.metrics.caseEventIds(em, tenantId, keys));
      return content;
    });
  }

  /**
   * The ledger position the pack covers (verified from the newest checkpoint) and the period's event sources. The
   * period's first and last sequence numbers and its per-source counts come from one pass over the period's events
   * (two passes took 0.75 s of a 1,000,000-event pack).
   */
  private async ledgerFacts(
    em: EntityManager,
    tenantId: string,
    clientId: string,
    period: Period,
    asOf: number,
  ) {
    const at = new Date(asOf).toISOString();
    const [h] = await em.query(`SELECT max(seq)::bigint AS seq FROM events WHERE received_at <= $1`, [at]);
    const headAtAsOf = h.seq === null ? 0 : Number(h.seq);
    // From the newest checkpoint: every checkpoint descends from a verification from genesis (see ledger-verification).
    const v = await verifyTenantLedger(em, tenantId, { upToSeq: headAtAsOf, fromCheckpoint: true });
    const bySource: Row[] = await em.query(
      `SELECT source, count(*)::int AS n, min(seq)::bigint AS first, max(seq)::bigint AS last FROM events
       WHERE client_id = $1 AND occurred_at >= $2 AND occurred_at < $3 AND received_at <= $4
       GROUP BY source ORDER BY source`,
      [clientId, new Date(period.from).toISOString(), new Date(period.to).toISOString(), at],
    );
    const firsts = bySource.map((r) => Number(r.first));
    const lasts = bySource.map((r) => Number(r.last));
    return {
      ledger: {
        headSeq: headAtAsOf,
        headHash: v.ok ? v.headHash : '',
        periodFirstSeq: firsts.length === 0 ? null : Math.min(...firsts),
        periodLastSeq: lasts.length === 0 ? null : Math.max(...lasts),
        verified: v.ok,
        firstBadSeq: v.firstBadSeq,
        verification: {
          fromSeq: v.fromSeq,
          eventsChecked: v.eventsChecked,
          checkpointVerifiedAt: v.checkpointVerifiedAt,
          genesisVerifiedAt: v.genesisVerifiedAt,
        },
      },
      sources: bySource.map((r) => ({ source: r.source as string, events: r.n as number })),
    };
  }

  /** The period's events in ledger order (see `periodEvents`), a tenant-scoped transaction per page. */
  eventStream(tenantId: string, clientId: string, period: Period, asOf: number): AsyncGenerator<LedgerEvent> {
    return periodEvents(
      (sql, params) => withTenant(this.dataSource, tenantId, (em) => em.query(sql, params)),
      { clientId, period, asOf },
    );
  }

  /**
   * events.csv.gz of a pack on this thread: every event of the period as of its instant, made by the database (COPY)
   * on a pooled connection in the tenant's scope. With PostgreSQL and concurrent pack parts, render starts the same
   * COPY in a worker thread instead (`startEventsCsvEarly`).
   */
  writeEventsCsv(tenantId: string, scope: PeriodEventsScope, file: string): Promise<EventsCsvWritten> {
    return writeEventsCsvGzByCopy(
      (sql, consume) =>
        withTenant(this.dataSource, tenantId, (em) =>
          copyOn(
            (em.queryRunner as unknown as { databaseConnection: pg.ClientBase }).databaseConnection,
            sql,
            consume,
          ),
        ),
      scope,
      file,
    );
  }

  /**
   * pack.xlsx in a worker thread with a connection of its own (see pack-xlsx-worker), with PostgreSQL and
   * concurrent pack parts; otherwise undefined, and the assembler writes it on this thread.
   */
  xlsxWorker(
    tenantId: string,
    scope: PeriodEventsScope,
    content: EvidencePackContent,
  ): ((file: string, options: XlsxOptions) => Promise<XlsxResult>) | undefined {
    const entry = this.config.packPartsConcurrent ? packXlsxWorkerEntry() : null;
    const databaseUrl = this.config.databaseUrl;
    if (!entry || !databaseUrl) return undefined;
    return async (file, options) => {
      try {
        return await runPackXlsxWorker(entry, { databaseUrl, tenantId, scope, content, options, file });
      } catch (err) {
        if ((err as { code?: string }).code !== 'ERR_WORKER_OUT_OF_MEMORY') throw err;
        // Over the worker's heap limit (an unusually large pack): made on this thread instead, slower but whole.
        this.logger.warn(
          { cases: content.cases.length, heapMb: xlsxWorkerHeapMb(content.cases.length) },
          'pack.xlsx worker ran out of its heap limit; writing the XLSX on the main thread',
        );
        const { writePackXlsx } = await import('./xlsx/pack-xlsx.writer.js');
        return writePackXlsx(
          content,
          () => this.eventStream(tenantId, scope.clientId, scope.period, scope.asOf),
          file,
          options,
        );
      }
    };
  }

  /** Path of a ready pack's archive, with the download recorded in the access log. */
  async openForDownload(
    actor: Actor,
    id: string,
  ): Promise<{ path: string; fileName: string; sha256: string; size: number }> {
    const { path: archivePath, fileName, sha256, size } = await this.archiveOf(actor, id);
    await withTenant(this.dataSource, actor.tenantId, (em) =>
      em.query(
        `INSERT INTO access_log (tenant_id, actor, action, subject_id, detail) VALUES ($1, $2, 'pack.download', $3, $4)`,
        [actor.tenantId, `${actor.role}:${actor.keyId}`, id, JSON.stringify({ sha256, label: actor.label })],
      ),
    );
    return { path: archivePath, fileName, sha256, size };
  }

  /** A ready pack's stored archive, with nothing logged: callers that serve it record the access themselves. */
  async archiveOf(
    actor: Actor,
    id: string,
  ): Promise<{ pack: EvidencePackRecord; path: string; fileName: string; sha256: string; size: number }> {
    const pack = await this.get(actor, id);
    if (pack.status !== 'ready') throw new DomainError('CONFLICT', `pack is ${pack.status}, not ready`);
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const [row] = await em.query(
        `SELECT archive_path, archive_sha256, archive_size FROM evidence_packs WHERE id = $1`,
        [id],
      );
      return {
        pack,
        path: row.archive_path,
        fileName: path.basename(row.archive_path),
        sha256: row.archive_sha256,
        size: Number(row.archive_size),
      };
    });
  }

  async accessLog(
    actor: Actor,
    limit = 100,
  ): Promise<{ at: Date; actor: string; action: string; subjectId: string | null; detail: unknown }[]> {
    requireRole(actor, 'msp_admin', 'auditor');
    return withTenant(this.dataSource, actor.tenantId, async (em) => {
      const rows: Row[] = await em.query(
        `SELECT at, actor, action, subject_id, detail FROM access_log ORDER BY at DESC, id DESC LIMIT $1`,
        [Math.min(limit, 1000)],
      );
      return rows.map((r) => ({
        at: r.at,
        actor: r.actor,
        action: r.action,
        subjectId: r.subject_id,
        detail: r.detail,
      }));
    });
  }

  async verifyArchive(archivePath: string): Promise<PackVerification> {
    return verifyPack(archivePath, await this.signing.trustedCertificates());
  }

  /**
   * A stored archive's verification, reused for up to 10 minutes while the file's identity (inode, size,
   * modification time) is unchanged: a public share page would otherwise re-hash a large archive (a 1M-event pack
   * is 130 MB) on every view, which anyone holding the link could repeat. `verifiedAt` says when it ran.
   */
  async verifyStoredArchive(
    archivePath: string,
    now = Date.now(),
  ): Promise<PackVerification & { verifiedAt: Date }> {
    const st = await fs.promises.stat(archivePath);
    const identity = `${st.ino}:${st.size}:${st.mtimeMs}`;
    const hit = this.verifiedArchives.get(archivePath);
    const age = hit ? now - hit.result.verifiedAt.getTime() : -1;
    if (hit && hit.identity === identity && age >= 0 && age < VERIFICATION_REUSE_MS) return hit.result;
    const result = { ...(await this.verifyArchive(archivePath)), verifiedAt: new Date(now) };
    this.verifiedArchives.set(archivePath, { identity, result });
    // Bounded: the oldest entry goes first (Map keeps insertion order).
    if (this.verifiedArchives.size > 256)
      this.verifiedArchives.delete(this.verifiedArchives.keys().next().value!);
    return result;
  }
}

const VERIFICATION_REUSE_MS = 10 * 60_000;

function clientScopeOrNotFound(actor: Actor, clientId: string): void {
  if (actor.clientId !== null && actor.clientId !== clientId) throw notFound('evidence pack');
}

/** Key figures kept with the pack row for lists and landing pages. */
export function summaryOf(c: EvidencePackContent): Record<string, unknown> {
  return {
    client: c.client.name,
    period: c.periodLabel,
    slaCompliance: c.metrics.slaCompliance,
    breaches: c.metrics.breaches.length,
    cases: c.cases.length,
    events: c.provenance.counts.events,
    controls: {
      satisfied: c.controls.filter((x) => x.status === 'satisfied').length,
      notSatisfied: c.controls.filter((x) => x.status === 'not_satisfied').length,
      total: c.controls.length,
    },
    ledgerVerified: c.provenance.ledger.verified,
  };
}

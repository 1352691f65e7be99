/**
 * Issue 7 on the demo's data: OSCAL in every pack, insurer attestations verified like packs, and the monthly batch
 * (run twice, once after a worker died halfway) ending with exactly one ready pack per client.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { buildDemoScenario } from '../src/cli/demo-scenario.js';
import { readPackArchive, writePackArchive } from '../src/evidence/archive.js';
import { EvidenceService } from '../src/evidence/evidence.service.js';
import { MonthlyReportsService } from '../src/evidence/monthly-reports.service.js';
import { validateOscal } from '../src/evidence/oscal/oscal-export.js';
import { IngestionService, MAX_BATCH } from '../src/ingestion/ingestion.service.js';
import { monthPeriod } from '../src/metrics/metrics.service.js';
import { systemActor } from '../src/tenancy/actor.js';
import { TenancyService } from '../src/tenancy/tenancy.service.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

jest.setTimeout(240_000);

describe('OSCAL, attestations and monthly reports on the demo data (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let tenantId: string;
  let dir: string;
  const now = Date.now();
  const scenario = buildDemoScenario(now);
  const month = scenario.months.at(-1)!;
  const clientIds: string[] = [];

  const download = async (id: string): Promise<Buffer> => {
    const res = await t.http
      .get(`/v1/packs/${id}/download`)
      .set('authorization', `Bearer ${admin}`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    return res.body as Buffer;
  };
  const verify = async (zip: Buffer) => {
    const res = await t.http.post('/v1/verify').set('content-type', 'application/zip').send(zip);
    expect(res.status).toBe(200);
    return res.body as { ok: boolean; checks: { file: string; check: string; ok: boolean }[] };
  };

  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'patchproof-reports-'));
    const tenant = await t.tenant(scenario.tenant.name);
    admin = tenant.token;
    tenantId = tenant.id;
    const actor = systemActor(tenantId, 'test');
    const tenancy = t.app.get(TenancyService);
    const ingestion = t.app.get(IngestionService);
    for (const c of scenario.clients) {
      const client = await tenancy.createClient(actor, {
        name: c.name,
        frameworks: c.frameworks,
        timeZone: c.timeZone,
        maintenanceWindows: c.maintenanceWindows,
      });
      for (const a of c.assets) await tenancy.createAsset(actor, { clientId: client.id, ...a });
      for (let i = 0; i < c.events.length; i += MAX_BATCH) {
        const out = await ingestion.ingest(actor, c.events.slice(i, i + MAX_BATCH), {
          defaultClientId: client.id,
          now,
        });
        expect(out.results.filter((r) => r.status === 'rejected')).toEqual([]);
      }
      clientIds.push(client.id);
    }
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the demo's pack carries OSCAL assessment-results and POA&M that validate, listed in the verified manifest", async () => {
    const evidence = t.app.get(EvidenceService);
    const pack = await evidence.request(systemActor(tenantId, 'test'), {
      clientId: clientIds[0],
      period: monthPeriod(month),
    });
    const rendered = await evidence.render(tenantId, pack.id);
    const entries = await readPackArchive(rendered!.archivePath);
    for (const [name, kind] of [
      ['oscal-assessment-results.json', 'assessment-results'],
      ['oscal-poam.json', 'poam'],
    ] as const) {
      const doc: unknown = JSON.parse(entries.find((e) => e.name === name)!.data!.toString('utf8'));
      expect(validateOscal(doc, kind)).toEqual({ valid: true, errors: [] });
    }
    const v = await verify(readFileSync(rendered!.archivePath));
    expect(v.ok).toBe(true);
    expect(v.checks).toContainEqual(
      expect.objectContaining({ file: 'oscal-poam.json', check: 'sha256', ok: true }),
    );
  });

  it('an attestation verifies the way a pack does, and a changed byte fails naming the file', async () => {
    const r = await t.gql(
      admin,
      `mutation($c: ID!) { generateAttestation(clientId: $c) { id kind status periodFrom periodTo downloadUrl summary } }`,
      { c: clientIds[0] },
    );
    expect(r.errors).toBeUndefined();
    const att = r.data.generateAttestation;
    expect(att).toMatchObject({ kind: 'attestation', status: 'ready' });
    // The 12 months before as-of.
    const from = new Date(att.periodFrom as string);
    const to = new Date(att.periodTo as string);
    expect(
      to.getUTCFullYear() * 12 + to.getUTCMonth() - (from.getUTCFullYear() * 12 + from.getUTCMonth()),
    ).toBe(12);

    const zip = await download(att.id as string);
    const v = await verify(zip);
    expect(v.ok).toBe(true);
    expect(v.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'manifest.json.p7s', check: 'manifest-signature', ok: true }),
        expect.objectContaining({ file: 'attestation.pdf', check: 'pdf-signature', ok: true }),
        expect.objectContaining({ file: 'attestation.json', check: 'sha256', ok: true }),
        expect.objectContaining({ file: 'signing-cert.pem', check: 'key-id', ok: true }),
      ]),
    );

    const path = join(dir, 'attestation.zip');
    writeFileSync(path, zip);
    const entries = await readPackArchive(path);
    expect(entries.map((e) => e.name).sort()).toEqual([
      'attestation.json',
      'attestation.pdf',
      'manifest.json',
      'manifest.json.p7s',
      'signing-cert.pem',
    ]);
    const facts = JSON.parse(entries.find((e) => e.name === 'attestation.json')!.data!.toString('utf8'));
    // The legacy PACS server comes from the inventory, its compensating controls from its risk exception.
    const pacs = (facts.legacyAssets as { hostname: string; compensatingControls: string[] }[]).find(
      (a) => a.hostname === 'legacy-pacs-01',
    );
    expect(pacs?.compensatingControls.length).toBeGreaterThan(0);

    const tampered = entries.map((e) => ({ name: e.name, buffer: Buffer.from(e.data!) }));
    const json = tampered.find((e) => e.name === 'attestation.json')!;
    json.buffer[10] ^= 0x01;
    const bad = join(dir, 'tampered.zip');
    await writePackArchive(tampered, bad);
    const failed = await verify(readFileSync(bad));
    expect(failed.ok).toBe(false);
    expect(failed.checks.filter((c) => !c.ok)).toEqual([
      expect.objectContaining({ file: 'attestation.json', check: 'sha256' }),
    ]);
  });

  it('the monthly job, run twice and once killed halfway, ends with exactly one ready pack per client', async () => {
    const monthly = t.app.get(MonthlyReportsService);
    const evidence = t.app.get(EvidenceService);
    const ds = t.app.get(DataSource);

    // A first run that dies halfway: every pack recorded, one rendered, one left `running` by a dead worker, one
    // failed with its error.
    const first = await monthly.requestMonth(tenantId, month);
    expect(first).toHaveLength(3);
    await evidence.render(tenantId, first[0].id);
    const firstArchive = (
      await ds.query(`SELECT archive_sha256 FROM evidence_packs WHERE id = $1`, [first[0].id])
    )[0].archive_sha256 as string;
    await ds.query(`UPDATE evidence_packs SET status = 'running', progress = 40 WHERE id = $1`, [
      first[1].id,
    ]);
    await ds.query(`UPDATE evidence_packs SET status = 'failed', error = 'worker lost' WHERE id = $1`, [
      first[2].id,
    ]);

    const query = `query($m: String!) { monthlyReportRun(month: $m) { month clients ready failed running queued notStarted items { clientId packId status error } } }`;
    const before = (await t.gql(admin, query, { m: month })).data.monthlyReportRun;
    expect(before).toMatchObject({ clients: 3, ready: 1, running: 1, failed: 1 });
    expect(before.items).toContainEqual(
      expect.objectContaining({ packId: first[2].id, status: 'failed', error: 'worker lost' }),
    );

    // Rerun twice at once (the job path: records found by their keys, renders enqueued), then once inline.
    const runs = await Promise.all(
      [1, 2].map(() =>
        t.gql(admin, `mutation($m: String!) { runMonthlyReports(month: $m) { clients notStarted } }`, {
          m: month,
        }),
      ),
    );
    for (const run of runs) expect(run.errors).toBeUndefined();
    let progress = before;
    for (let i = 0; i < 240 && progress.ready < 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      progress = (await t.gql(admin, query, { m: month })).data.monthlyReportRun;
    }
    expect(progress).toMatchObject({ clients: 3, ready: 3, failed: 0, running: 0, queued: 0, notStarted: 0 });
    await monthly.runInline(tenantId, month);

    const rows: { client_id: string; status: string; n: number }[] = await ds.query(
      `SELECT client_id, status, count(*)::int AS n FROM evidence_packs
       WHERE tenant_id = $1 AND kind = 'pack' AND idempotency_key LIKE $2 GROUP BY client_id, status`,
      [tenantId, `monthly:%:${month}:%`],
    );
    expect(rows.map((r) => [r.client_id, r.status, r.n]).sort()).toEqual(
      clientIds.map((id) => [id, 'ready', 1]).sort(),
    );
    // The pack that was ready before the reruns is the same pack, not a regenerated one.
    const after = (
      await ds.query(`SELECT archive_sha256 FROM evidence_packs WHERE id = $1`, [first[0].id])
    )[0].archive_sha256 as string;
    expect(after).toBe(firstArchive);
  });
});

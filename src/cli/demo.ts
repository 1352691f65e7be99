/**
 * `npm run demo`: a demo MSP with three clients (HIPAA, PCI DSS, SOX) and six months of realistic events on a fresh
 * embedded database (or a new tenant on DATABASE_URL), the vulnerability feeds from templates/feeds, then a signed
 * pack per client for the last full month and an insurer attestation per client, verified, in ./out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DataSource } from 'typeorm';
import yauzl from 'yauzl';
import { AttestationService } from '../evidence/attestation.service.js';
import { EvidenceService } from '../evidence/evidence.service.js';
import { verifyPack } from '../evidence/verify-pack.js';
import { IngestionService, MAX_BATCH } from '../ingestion/ingestion.service.js';
import { monthPeriod } from '../metrics/metrics.service.js';
import { systemActor } from '../tenancy/actor.js';
import { TenancyService } from '../tenancy/tenancy.service.js';
import { VulnerabilityService } from '../vulnerabilities/vulnerability.service.js';
import { openCli } from './cli-context.js';
import { buildDemoScenario } from './demo-scenario.js';

const FEEDS = path.resolve('templates/feeds');

function extract(zip: string, names: string[], dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err ?? new Error('cannot open archive'));
      file.on('entry', (entry: yauzl.Entry) => {
        if (!names.includes(entry.fileName)) return file.readEntry();
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('cannot read entry'));
          stream
            .pipe(fs.createWriteStream(path.join(dir, entry.fileName)))
            .on('finish', () => file.readEntry());
        });
      });
      file.on('end', () => resolve());
      file.readEntry();
    });
  });
}

/** Runs a checking tool; null when it is not installed. */
function tool(cmd: string, args: string[]): { ok: boolean; out: string } | null {
  try {
    return {
      ok: true,
      out: execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    };
  } catch (err) {
    const e = err as { code?: string; stdout?: string };
    return e.code === 'ENOENT' ? null : { ok: false, out: e.stdout ?? '' };
  }
}

export async function runDemo(outDir: string): Promise<void> {
  const env: Record<string, string> = {};
  if (!process.env.DATABASE_URL) {
    // A fresh embedded database every run, so the demo always tells the same story.
    const dir = path.resolve(process.env.DEMO_PGLITE_DIR ?? 'data/demo-pglite');
    fs.rmSync(dir, { recursive: true, force: true });
    env.PGLITE_DATA_DIR = dir;
  }
  const started = Date.now();
  const ctx = await openCli(env);
  try {
    const now = Date.now();
    const scenario = buildDemoScenario(now);
    const feeds = ctx.app.get(VulnerabilityService);
    const kev = await feeds.importKev(JSON.parse(fs.readFileSync(path.join(FEEDS, 'kev.json'), 'utf8')));
    let nvd = 0;
    for (const f of fs.readdirSync(path.join(FEEDS, 'nvd')).filter((n) => n.endsWith('.json'))) {
      nvd += (await feeds.importNvd(JSON.parse(fs.readFileSync(path.join(FEEDS, 'nvd', f), 'utf8')))).records;
    }
    const epss = await feeds.importEpss(fs.readFileSync(path.join(FEEDS, 'epss.csv'), 'utf8'));
    console.log(
      `feeds: KEV ${kev.version} (${kev.records} entries), NVD ${nvd} records, EPSS ${epss.records} scores`,
    );

    const tenancy = ctx.app.get(TenancyService);
    const suffix = process.env.DATABASE_URL ? ` (demo ${new Date(now).toISOString().slice(0, 19)})` : '';
    const { tenant, token } = await tenancy.bootstrap(
      scenario.tenant.name + suffix,
      scenario.tenant.timeZone,
    );
    const actor = systemActor(tenant.id, 'demo');
    const ingestion = ctx.app.get(IngestionService);
    const evidence = ctx.app.get(EvidenceService);
    const attestations = ctx.app.get(AttestationService);
    const month = scenario.months.at(-1)!;
    const period = monthPeriod(month);
    fs.mkdirSync(outDir, { recursive: true });
    const written: string[] = [];
    for (const c of scenario.clients) {
      const client = await tenancy.createClient(actor, {
        name: c.name,
        frameworks: c.frameworks,
        timeZone: c.timeZone,
        maintenanceWindows: c.maintenanceWindows,
      });
      for (const a of c.assets) await tenancy.createAsset(actor, { clientId: client.id, ...a });
      let accepted = 0;
      for (let i = 0; i < c.events.length; i += MAX_BATCH) {
        const out = await ingestion.ingest(actor, c.events.slice(i, i + MAX_BATCH), {
          defaultClientId: client.id,
          now,
        });
        accepted += out.receipt.accepted;
        const bad = out.results.find((r) => r.status === 'rejected');
        if (bad) throw new Error(`demo event rejected: ${bad.field}: ${bad.reason}`);
      }
      // As of now, after the client's assets and events exist (an asset counts from when it was registered).
      const pack = await evidence.request(actor, { clientId: client.id, period, asOf: Date.now() });
      await evidence.render(tenant.id, pack.id);
      const file = await evidence.openForDownload(actor, pack.id);
      const safe = c.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      const zip = path.join(outDir, `${safe}-${month}.zip`);
      fs.copyFileSync(file.path, zip);
      const folder = path.join(outDir, `${safe}-${month}`);
      fs.rmSync(folder, { recursive: true, force: true });
      fs.mkdirSync(folder);
      await extract(
        zip,
        ['pack.pdf', 'pack.xlsx', 'manifest.json', 'manifest.json.p7s', 'signing-cert.pem'],
        folder,
      );
      const ready = await evidence.get(actor, pack.id);
      const s = ready.summary as {
        slaCompliance: { numerator: number; denominator: number };
        breaches: number;
        controls: { satisfied: number; notSatisfied: number; total: number };
      };
      console.log(
        `${c.name} [${c.frameworks.join(', ')}]: ${accepted} events; ${month} pack: SLA ${s.slaCompliance.numerator}/${s.slaCompliance.denominator}, ` +
          `${s.breaches} breaches, controls ${s.controls.satisfied} satisfied / ${s.controls.notSatisfied} not satisfied of ${s.controls.total}`,
      );
      written.push(zip);

      // The insurer attestation as of now (the 12 months before it), verified below like the packs.
      const attestation = await attestations.generate(actor, client.id);
      const attestationZip = path.join(outDir, `${safe}-attestation.zip`);
      fs.copyFileSync((await evidence.openForDownload(actor, attestation.id)).path, attestationZip);
      const attestationFolder = attestationZip.replace(/\.zip$/, '');
      fs.rmSync(attestationFolder, { recursive: true, force: true });
      fs.mkdirSync(attestationFolder);
      await extract(
        attestationZip,
        ['attestation.pdf', 'attestation.json', 'manifest.json', 'manifest.json.p7s', 'signing-cert.pem'],
        attestationFolder,
      );
      written.push(attestationZip);
    }

    // Verify as an outsider would: with the published certificate, not the one inside the archive.
    const certPath = path.join(ctx.config.dataDir, 'keys', 'signing-cert.pem');
    fs.copyFileSync(certPath, path.join(outDir, 'signing-cert.pem'));
    const cert = fs.readFileSync(certPath, 'utf8');
    let allOk = true;
    for (const zip of written) {
      const v = await verifyPack(zip, [cert]);
      allOk &&= v.ok;
      const failed = v.checks.filter((c) => !c.ok);
      console.log(
        `verify ${path.basename(zip)}: ${v.ok ? 'OK' : 'FAILED'} (${v.checks.length} checks${failed.length ? `; failed: ${failed.map((f) => `${f.file} ${f.check}`).join(', ')}` : ''})`,
      );
      const folder = zip.replace(/\.zip$/, '');
      const pdf = fs.existsSync(path.join(folder, 'pack.pdf')) ? 'pack.pdf' : 'attestation.pdf';
      const pdfsig = tool('pdfsig', [path.join(folder, pdf)]);
      // pdfsig exits 0 whether or not the signature is valid: read what it says.
      if (pdfsig !== null)
        console.log(
          `  pdfsig: ${/Signature is Valid/.test(pdfsig.out) ? 'Signature is Valid.' : 'NOT valid'}`,
        );
      const cms = tool('openssl', [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        path.join(folder, 'manifest.json.p7s'),
        '-content',
        path.join(folder, 'manifest.json'),
        '-CAfile',
        certPath,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ]);
      if (cms !== null)
        console.log(`  openssl cms -verify: ${cms.ok ? 'Verification successful' : 'FAILED'}`);
    }
    const ds = ctx.app.get(DataSource);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [tenant.id]);
    console.log(
      `\n${n} events in the ledger; packs, extracted PDFs and the signing certificate are in ${path.resolve(outDir)}`,
    );
    console.log(
      `demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s; admin API key of the demo tenant: ${token}`,
    );
    console.log(
      `verify a pack yourself: npx patchproof verify ${written[0]} --cert ${path.join(outDir, 'signing-cert.pem')}`,
    );
    if (!allOk) process.exitCode = 1;
  } finally {
    await ctx.close();
  }
}

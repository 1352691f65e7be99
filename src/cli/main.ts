#!/usr/bin/env node
/**
 * patchproof: the command line on the same services as the API.
 *   bootstrap, migrate, import, feeds, verify, verify-ledger, packs, demo
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { IngestionService, MAX_BATCH } from '../ingestion/ingestion.service.js';
import {
  IMPORTERS,
  isImporterFormat,
  readMaybeGzip,
  IMPORTER_FORMATS,
} from '../ingestion/importers/index.js';
import { TenancyService } from '../tenancy/tenancy.service.js';
import { VulnerabilityService } from '../vulnerabilities/vulnerability.service.js';
import { EvidenceService } from '../evidence/evidence.service.js';
import { MonthlyReportsService } from '../evidence/monthly-reports.service.js';
import { monthPeriod } from '../metrics/metrics.service.js';
import { verifyPack } from '../evidence/verify-pack.js';
import { cliActor, openCli, resolveClientId } from './cli-context.js';
import { runDemo } from './demo.js';
import { DataSource } from 'typeorm';

const program = new Command();
program.name('patchproof').description('Patchproof: signed compliance evidence for patch management');

program
  .command('migrate')
  .description('run pending database migrations')
  .action(async () => {
    const ctx = await openCli({ MIGRATIONS_RUN: 'true' });
    console.log('migrations are current');
    await ctx.close();
  });

program
  .command('bootstrap')
  .description('create a tenant (MSP) and print its first admin API key (shown once)')
  .requiredOption('--name <name>', 'tenant name')
  .option('--tz <zone>', 'IANA time zone of the MSP', 'UTC')
  .action(async (opts: { name: string; tz: string }) => {
    const ctx = await openCli();
    try {
      const { tenant, token } = await ctx.app.get(TenancyService).bootstrap(opts.name, opts.tz);
      console.log(`tenant ${tenant.name} (${tenant.id})\nadmin API key (shown once): ${token}`);
    } finally {
      await ctx.close();
    }
  });

program
  .command('import')
  .description(`import events from a file (plain or .gz): ${IMPORTER_FORMATS.join(', ')}`)
  .argument('<format>')
  .argument('<file>')
  .requiredOption('--client <client>', 'client id or name')
  .option('--tenant <tenant>', 'tenant id or name (default: the only one)')
  .option('--tz <zone>', 'host time zone for formats without an offset (apt, dpkg, yum, Get-HotFix)')
  .option('--year <year>', 'year for yum.log', (v) => Number(v))
  .option('--hostname <host>', 'host name for formats that do not carry one')
  .action(
    async (
      format: string,
      file: string,
      opts: { client: string; tenant?: string; tz?: string; year?: number; hostname?: string },
    ) => {
      if (!isImporterFormat(format))
        throw new Error(`unknown format "${format}" (one of ${IMPORTER_FORMATS.join(', ')})`);
      const text = readMaybeGzip(fs.readFileSync(file));
      const outcome = IMPORTERS[format].parse(text, {
        timeZone: opts.tz,
        year: opts.year,
        hostname: opts.hostname,
      });
      for (const p of outcome.problems) console.error(`${file}:${p.line}: ${p.message}`);
      const ctx = await openCli();
      try {
        const actor = await cliActor(ctx, opts.tenant);
        const clientId = await resolveClientId(ctx, actor, opts.client);
        const ingestion = ctx.app.get(IngestionService);
        const bar = new cliProgress.SingleBar(
          { format: 'import [{bar}] {value}/{total} events' },
          cliProgress.Presets.shades_classic,
        );
        bar.start(outcome.events.length, 0);
        const totals = { accepted: 0, duplicates: 0, rejected: 0 };
        for (let i = 0; i < outcome.events.length; i += MAX_BATCH) {
          const out = await ingestion.ingest(actor, outcome.events.slice(i, i + MAX_BATCH), {
            defaultClientId: clientId,
          });
          totals.accepted += out.receipt.accepted;
          totals.duplicates += out.receipt.duplicates;
          totals.rejected += out.receipt.rejected;
          for (const r of out.results)
            if (r.status === 'rejected') console.error(`event ${i + r.index + 1}: ${r.field}: ${r.reason}`);
          bar.update(Math.min(i + MAX_BATCH, outcome.events.length));
        }
        bar.stop();
        console.log(
          `${outcome.read} read, ${outcome.problems.length} problems, ${totals.accepted} accepted, ${totals.duplicates} duplicates, ${totals.rejected} rejected`,
        );
      } finally {
        await ctx.close();
      }
    },
  );

program
  .command('feeds')
  .description('import a vulnerability feed: kev <json>, nvd <json|dir>, epss <csv>')
  .argument('<feed>')
  .argument('<file>')
  .action(async (feed: string, file: string) => {
    const ctx = await openCli();
    try {
      const v = ctx.app.get(VulnerabilityService);
      const results = [];
      if (feed === 'kev') results.push(await v.importKev(JSON.parse(fs.readFileSync(file, 'utf8'))));
      else if (feed === 'epss') results.push(await v.importEpss(fs.readFileSync(file, 'utf8')));
      else if (feed === 'nvd') {
        const files = fs.statSync(file).isDirectory()
          ? fs
              .readdirSync(file)
              .filter((f) => f.endsWith('.json'))
              .map((f) => path.join(file, f))
          : [file];
        for (const f of files) results.push(await v.importNvd(JSON.parse(fs.readFileSync(f, 'utf8'))));
      } else throw new Error('feed is one of kev, nvd, epss');
      for (const r of results)
        console.log(
          `${r.feed} ${r.version}: ${r.records} records, ${r.added} new, ${r.problems.length} problems, ${r.casesRefolded ?? 0} stored cases re-folded`,
        );
    } finally {
      await ctx.close();
    }
  });

program
  .command('verify')
  .description('verify a pack archive offline: every hash, the manifest signature, the PDF signature')
  .argument('<pack.zip>')
  .option(
    '--cert <pem...>',
    'trusted signing certificate(s) (default: the certificate inside the archive is NOT trusted; give the published one)',
  )
  .action(async (file: string, opts: { cert?: string[] }) => {
    const certs = (opts.cert ?? [path.resolve('data/keys/signing-cert.pem')])
      .filter((c) => fs.existsSync(c))
      .map((c) => fs.readFileSync(c, 'utf8'));
    if (certs.length === 0)
      throw new Error('no trusted certificate: pass --cert <published signing-cert.pem>');
    const result = await verifyPack(file, certs);
    for (const c of result.checks)
      console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.file.padEnd(22)} ${c.check.padEnd(18)} ${c.detail}`);
    console.log(result.ok ? 'VERIFIED' : 'NOT VERIFIED');
    process.exitCode = result.ok ? 0 : 1;
  });

program
  .command('verify-ledger')
  .description("recompute a tenant's hash chain and name the first sequence that does not match")
  .option('--tenant <tenant>')
  .action(async (opts: { tenant?: string }) => {
    const ctx = await openCli();
    try {
      const v = await ctx.app.get(IngestionService).verifyLedger(await cliActor(ctx, opts.tenant));
      console.log(JSON.stringify(v, null, 2));
      process.exitCode = v.ok ? 0 : 1;
    } finally {
      await ctx.close();
    }
  });

program
  .command('packs')
  .description('render the packs of a month by hand (one per client; rerunning reuses finished packs)')
  .requiredOption('--month <YYYY-MM>')
  .option('--all-clients', 'every client of the tenant')
  .option('--client <client>', 'one client id or name')
  .option('--tenant <tenant>')
  .option('--out <dir>', 'copy the archives here', './out')
  .action(
    async (opts: { month: string; allClients?: boolean; client?: string; tenant?: string; out: string }) => {
      const ctx = await openCli();
      try {
        const actor = await cliActor(ctx, opts.tenant);
        const ds = ctx.app.get(DataSource);
        const clients: { id: string; name: string }[] = opts.client
          ? [{ id: await resolveClientId(ctx, actor, opts.client), name: opts.client }]
          : opts.allClients
            ? await ds.query(`SELECT id, name FROM clients WHERE tenant_id = $1 ORDER BY name`, [
                actor.tenantId,
              ])
            : [];
        if (clients.length === 0) throw new Error('pass --client or --all-clients');
        const evidence = ctx.app.get(EvidenceService);
        const monthly = ctx.app.get(MonthlyReportsService);
        const period = monthPeriod(opts.month);
        fs.mkdirSync(opts.out, { recursive: true });
        const bar = new cliProgress.SingleBar(
          { format: 'packs [{bar}] {value}/{total} {client}' },
          cliProgress.Presets.shades_classic,
        );
        bar.start(clients.length, 0, { client: '' });
        const failures: string[] = [];
        for (const [i, c] of clients.entries()) {
          bar.update(i, { client: c.name });
          try {
            const pack = await evidence.request(actor, {
              clientId: c.id,
              period,
              asOf: Math.min(Date.now(), period.to + 86_400_000),
              // The scheduled monthly run's key: by hand or on the 1st, one pack per client, month and policy.
              idempotencyKey: await monthly.keyFor(actor.tenantId, c.id, opts.month),
            });
            if (pack.status !== 'ready') await evidence.render(actor.tenantId, pack.id);
            const file = await evidence.openForDownload(actor, pack.id);
            fs.copyFileSync(file.path, path.join(opts.out, file.fileName));
          } catch (err) {
            failures.push(`${c.name}: ${(err as Error).message}`);
          }
        }
        bar.update(clients.length, { client: 'done' });
        bar.stop();
        for (const f of failures) console.error(`FAILED ${f}`);
        console.log(`${clients.length - failures.length} of ${clients.length} packs in ${opts.out}`);
        process.exitCode = failures.length ? 1 : 0;
      } finally {
        await ctx.close();
      }
    },
  );

program
  .command('demo')
  .description(
    'a demo MSP with three clients and six months of events, then a signed pack per client in ./out',
  )
  .option('--out <dir>', 'output folder', './out')
  .action(async (opts: { out: string }) => {
    await runDemo(opts.out);
  });

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/**
 * The evidence pages in a real browser: Playwright (playwright-core) driving Debian's chromium against the app on a
 * real port. A share link opens with the figures, the PDF downloads, a tampered archive is refused by name, and the
 * link stops working after revocation, after expiry and past its download limit; a link to pack A never reaches B.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import express from 'express';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { REQUEST_LOG_SERIALIZERS, redactSharePath } from '../src/app.factory.js';
import { EvidenceService } from '../src/evidence/evidence.service.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's chromium, installed via apt when missing and running as root; never a downloaded browser. */
function ensureChromium(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.getuid?.() !== 0) {
    console.warn(
      `pages e2e: ${CHROMIUM} is missing and this is not root; install it: apt-get install -y chromium`,
    );
    return false;
  }
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', 'chromium'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return fs.existsSync(CHROMIUM);
}

const INGEST = `mutation($c: ID, $e: [EventInput!]!) { ingestEvents(clientId: $c, events: $e) { receipt { accepted rejected } } }`;

function lifecycle(host: string, detected: string, deployed: string | null) {
  const base = {
    source: 'ninjaone',
    asset: { hostname: host },
    patch: { id: 'KB5044284', releasedAt: detected.slice(0, 10) },
    cveIds: ['CVE-2024-1086'],
    vendorSeverity: 'critical',
  };
  const out: unknown[] = [{ ...base, kind: 'detected', occurredAt: detected, sourceEventId: `${host}-d` }];
  if (deployed) out.push({ ...base, kind: 'deployed', occurredAt: deployed, sourceEventId: `${host}-x` });
  return out;
}

const haveBrowser = ensureChromium();
const describeBrowser = haveBrowser ? describe : describe.skip;

describeBrowser('evidence pages in Chromium (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let base: string;
  let browser: Browser;
  let packA: {
    id: string;
    archiveSha256: string;
    summary: { breaches: number; cases: number; client: string };
  };
  let packB: { id: string; archiveSha256: string };

  async function generate(clientId: string) {
    const g = await t.gql(
      admin,
      `mutation($c: ID!) { generateEvidencePack(input: {clientId: $c, period: {month: "2026-10"}}) { id } }`,
      { c: clientId },
    );
    expect(g.errors).toBeUndefined();
    const id = g.data.generateEvidencePack.id as string;
    for (let i = 0; i < 240; i++) {
      const p = await t.gql(
        admin,
        `query($id: ID!) { evidencePack(id: $id) { id status archiveSha256 summary } }`,
        {
          id,
        },
      );
      if (p.data.evidencePack.status === 'ready') return p.data.evidencePack;
      expect(p.data.evidencePack.status).not.toBe('failed');
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error('pack never became ready');
  }

  async function createLink(packId: string, expiresAt: Date, maxDownloads?: number) {
    const r = await t.gql(
      admin,
      `mutation($p: ID!, $e: DateTime!, $m: Int) { createShareLink(packId: $p, expiresAt: $e, maxDownloads: $m) {
        token url link { id packId tokenPrefix downloads maxDownloads } } }`,
      { p: packId, e: expiresAt.toISOString(), m: maxDownloads ?? null },
    );
    expect(r.errors).toBeUndefined();
    return r.data.createShareLink as {
      token: string;
      url: string;
      link: { id: string; tokenPrefix: string };
    };
  }

  async function open(path: string): Promise<{ page: Page; status: number; referrerPolicy?: string }> {
    const page = await browser.newPage({ acceptDownloads: true });
    const res = await page.goto(base + path);
    return { page, status: res!.status(), referrerPolicy: res!.headers()['referrer-policy'] };
  }

  const hour = () => new Date(Date.now() + 3600_000);

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    admin = (await t.tenant('Harbor IT Services')).token;
    const ids: string[] = [];
    for (const name of ['Contoso Pharmacy', 'Fabrikam Financial']) {
      const c = await t.gql(
        admin,
        `mutation($n: String!) { createClient(input: {name: $n, frameworks: [pci_dss]}) { id } }`,
        {
          n: name,
        },
      );
      ids.push(c.data.createClient.id);
    }
    const a = await t.gql(admin, INGEST, {
      c: ids[0],
      e: [
        ...lifecycle('pos-01', '2026-09-10T08:00:00Z', '2026-09-20T22:00:00Z'),
        ...lifecycle('pos-02', '2026-09-10T08:00:00Z', '2026-10-25T22:00:00Z'),
        ...lifecycle('db-01', '2026-09-10T08:00:00Z', null),
      ],
    });
    expect(a.data.ingestEvents.receipt).toEqual({ accepted: 5, rejected: 0 });
    await t.gql(admin, INGEST, {
      c: ids[1],
      e: lifecycle('etl-01', '2026-10-02T08:00:00Z', '2026-10-03T08:00:00Z'),
    });
    packA = await generate(ids[0]);
    packB = await generate(ids[1]);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('opens a share link with the figures and signature status, and downloads the PDF', async () => {
    const { token, url, link } = await createLink(packA.id, hour());
    expect(token).toMatch(/^pps_[A-Za-z0-9_-]{43}$/);
    expect(url.endsWith(`/s/${token}`)).toBe(true);
    const listed = await t.gql(
      admin,
      `query($p: ID) { shareLinks(packId: $p) { id tokenPrefix downloads } }`,
      {
        p: packA.id,
      },
    );
    expect(listed.data.shareLinks).toEqual([{ id: link.id, tokenPrefix: token.slice(0, 8), downloads: 0 }]);
    expect(JSON.stringify(listed)).not.toContain(token);

    const { page, status, referrerPolicy } = await open(`/s/${token}`);
    expect(status).toBe(200);
    expect(referrerPolicy).toBe('no-referrer');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
      'Contoso Pharmacy',
    );
    expect(await page.locator('[data-figure="breaches"]').textContent()).toBe(String(packA.summary.breaches));
    expect(await page.locator('[data-figure="cases"]').textContent()).toBe(String(packA.summary.cases));
    expect(await page.getByRole('status').textContent()).toContain('Signature valid');
    expect(await page.content()).toContain(packA.archiveSha256);
    expect(await page.content()).toContain('Harbor IT Services');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the PDF report' }).click(),
    ]);
    const pdf = fs.readFileSync(await download.path());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000);
    await page.close();

    // Every use is in the tenant's access log with the archive's SHA-256; the token is in none of it.
    const log = await t.gql(admin, `{ accessLog { action subjectId detail } }`);
    const uses = (
      log.data.accessLog as { action: string; subjectId: string; detail: { sha256?: string } }[]
    ).filter((e) => e.action === 'share_link.view' || e.action === 'share_link.download');
    expect(uses.map((e) => e.action).sort()).toEqual(['share_link.download', 'share_link.view']);
    for (const e of uses) {
      expect(e.subjectId).toBe(packA.id);
      expect(e.detail.sha256).toBe(packA.archiveSha256);
    }
    expect(JSON.stringify(log)).not.toContain(token);
  });

  it('verifies an uploaded archive file by file and refuses a tampered one, naming it', async () => {
    const { token } = await createLink(packA.id, hour());
    const zip = (
      await t.http
        .get(`/s/${token}/download`)
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        })
    ).body as Buffer;
    expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');

    const { page } = await open('/verify');
    await page
      .getByLabel('Pack archive (.zip)')
      .setInputFiles({ name: 'contoso-2026-10.zip', mimeType: 'application/zip', buffer: zip });
    await page.getByRole('button', { name: 'Verify' }).click();
    expect(await page.getByRole('status').textContent()).toContain('contoso-2026-10.zip verifies');

    const bad = Buffer.from(zip);
    bad[Math.floor(bad.length / 3)] ^= 0xff;
    await page
      .getByLabel('Pack archive (.zip)')
      .setInputFiles({ name: 'tampered-pack.zip', mimeType: 'application/zip', buffer: bad });
    await page.getByRole('button', { name: 'Verify' }).click();
    const alert = await page.getByRole('alert').textContent();
    expect(alert).toContain('tampered-pack.zip');
    expect(alert).toContain('does NOT verify');
    await page.close();
  });

  it('refuses the same link after revocation, after expiry and past its download limit, like an unknown token', async () => {
    const unknown = await open(`/s/pps_${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    const refusal = await unknown.page.locator('main').textContent();
    await unknown.page.close();

    const revoked = await createLink(packA.id, hour());
    expect((await open(`/s/${revoked.token}`)).status).toBe(200);
    const r = await t.gql(admin, `mutation($id: ID!) { revokeShareLink(id: $id) { revokedAt } }`, {
      id: revoked.link.id,
    });
    expect(r.data.revokeShareLink.revokedAt).toBeTruthy();
    const afterRevoke = await open(`/s/${revoked.token}`);
    expect(afterRevoke.status).toBe(404);
    expect(await afterRevoke.page.locator('main').textContent()).toBe(refusal);
    expect((await t.http.get(`/s/${revoked.token}/pack.pdf`)).status).toBe(404);
    expect((await t.http.get(`/s/${revoked.token}/download`)).status).toBe(404);

    const expiring = await createLink(packA.id, new Date(Date.now() + 2000));
    expect((await open(`/s/${expiring.token}`)).status).toBe(200);
    await new Promise((res) => setTimeout(res, 2500));
    const afterExpiry = await open(`/s/${expiring.token}`);
    expect(afterExpiry.status).toBe(404);
    expect(await afterExpiry.page.locator('main').textContent()).toBe(refusal);

    const once = await createLink(packA.id, hour(), 1);
    expect((await t.http.get(`/s/${once.token}/pack.pdf`)).status).toBe(200);
    expect((await t.http.get(`/s/${once.token}/pack.pdf`)).status).toBe(404);
    expect((await t.http.get(`/s/${once.token}`)).status).toBe(404);
  }, 60_000);

  it('a link to pack A never reaches pack B, and other tenants cannot share A', async () => {
    const a = await createLink(packA.id, hour());
    const b = await createLink(packB.id, hour());
    const pageA = await open(`/s/${a.token}?packId=${packB.id}`);
    const html = await pageA.page.content();
    expect(html).toContain(packA.archiveSha256);
    expect(html).not.toContain(packB.archiveSha256);
    expect(html).not.toContain('Fabrikam');
    await pageA.page.close();
    for (const path of [`/s/${a.token}/download?packId=${packB.id}`, `/s/${a.token}/download/${packB.id}`]) {
      const res = await t.http.get(path);
      if (res.status === 200) expect(res.headers['x-archive-sha256']).toBe(packA.archiveSha256);
      else expect(res.status).toBe(404);
    }
    const viaB = await t.http.get(`/s/${b.token}/download`);
    expect(viaB.headers['x-archive-sha256']).toBe(packB.archiveSha256);

    const other = (await t.tenant('Other MSP')).token;
    const foreign = await t.gql(
      other,
      `mutation($p: ID!, $e: DateTime!) { createShareLink(packId: $p, expiresAt: $e) { token } }`,
      { p: packA.id, e: hour().toISOString() },
    );
    expect(foreign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const theirs = await t.gql(other, `{ shareLinks { id } }`);
    expect(theirs.data.shareLinks).toEqual([]);
    const revokeForeign = await t.gql(other, `mutation($id: ID!) { revokeShareLink(id: $id) { id } }`, {
      id: a.link.id,
    });
    expect(revokeForeign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await open(`/s/${a.token}`)).status).toBe(200);
  });

  it('signs in with an API key into an HttpOnly SameSite=Strict session and lists the packs with downloads', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${base}/packs`);
    expect(page.url()).toBe(`${base}/login`);
    await page.getByLabel('API key').fill(admin);
    await Promise.all([
      page.waitForURL(`${base}/packs`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'pp_session', httpOnly: true, sameSite: 'Strict' });
    expect(cookie.value).not.toContain(admin);
    expect(await page.locator('table').textContent()).toContain('Fabrikam Financial');
    await page.getByLabel('Client').selectOption({ label: 'Contoso Pharmacy' });
    await Promise.all([page.waitForURL(/clientId=/), page.getByRole('button', { name: 'Show' }).click()]);
    const table = await page.locator('table').textContent();
    expect(table).toContain('Contoso Pharmacy');
    expect(table).not.toContain('Fabrikam Financial');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download archive' }).first().click(),
    ]);
    expect(
      fs
        .readFileSync(await download.path())
        .subarray(0, 2)
        .toString('latin1'),
    ).toBe('PK');
    await Promise.all([
      page.waitForURL(`${base}/login`),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await page.goto(`${base}/packs`);
    expect(page.url()).toBe(`${base}/login`);
    await context.close();

    // CSRF: a login POST from another origin (or with no origin) is refused.
    const cross = await t.http
      .post('/login')
      .set('origin', 'https://evil.example')
      .type('form')
      .send({ apiKey: admin });
    expect(cross.status).toBe(403);
    expect(cross.headers['set-cookie']).toBeUndefined();
    const bad = await t.http.post('/login').set('origin', base).type('form').send({ apiKey: 'ppk_nope' });
    expect(bad.status).toBe(401);
  });

  it('keeps share tokens out of the request log', async () => {
    // The app's request-log serializers on pino-http and an Express route shaped like the share pages.
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const app = express();
    app.use(pinoHttp({ logger, serializers: REQUEST_LOG_SERIALIZERS }));
    app.get('/s/:token/pack.pdf', (_req, res) => void res.send('ok'));
    const secret = `pps_${'s'.repeat(43)}`;
    const res = await request(app).get(`/s/${secret}/pack.pdf?x=1`);
    expect(res.status).toBe(200);
    expect(lines.join('')).toContain('/s/[redacted]/pack.pdf?x=1');
    expect(lines.join('')).not.toContain(secret);
    expect(redactSharePath('/verify')).toBe('/verify');
  });

  it('reuses a stored archive verification while the file is unchanged, and checks again when it changes', async () => {
    const evidence = t.app.get(EvidenceService);
    const [{ archive_path: file }] = await t.app
      .get(DataSource)
      .query(`SELECT archive_path FROM evidence_packs WHERE id = $1`, [packA.id]);
    const t0 = Date.parse('2026-11-20T10:00:00Z');
    const first = await evidence.verifyStoredArchive(file, t0);
    expect(first.ok).toBe(true);
    expect(first.verifiedAt.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(await evidence.verifyStoredArchive(file, t0 + 9 * 60_000)).toBe(first);
    const later = await evidence.verifyStoredArchive(file, t0 + 11 * 60_000);
    expect(later).not.toBe(first);
    expect(later.ok).toBe(true);
    // Changed on disk (a new modification time): verified again at once, and the change is caught.
    const original = fs.readFileSync(file);
    const tampered = Buffer.from(original);
    tampered[Math.floor(tampered.length / 2)] ^= 0xff;
    try {
      fs.writeFileSync(file, tampered);
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000));
      const changed = await evidence.verifyStoredArchive(file, t0 + 12 * 60_000);
      expect(changed.ok).toBe(false);
    } finally {
      fs.writeFileSync(file, original);
    }
  });
});

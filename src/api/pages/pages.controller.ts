/**
 * The evidence pages, server-rendered for people: a share-link landing page with downloads, a public verification
 * page, and a signed-in list of a client's packs. Plain HTML forms, no JavaScript. Share tokens sit in the URL path,
 * so every page sends `Referrer-Policy: no-referrer` and the request log replaces them (see app.factory.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  Controller,
  Get,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../../config.js';
import { DomainError } from '../../errors.js';
import { EvidenceService, type EvidencePackRecord } from '../../evidence/evidence.service.js';
import type { PackVerification } from '../../evidence/verify-pack.js';
import { ShareLinksService, type SharedPack } from '../../sharing/share-links.service.js';
import type { Actor } from '../../tenancy/actor.js';
import { Public } from '../../tenancy/auth.guard.js';
import { isUuid, TenancyService } from '../../tenancy/tenancy.service.js';
import { SESSION_HOURS, WebSessionService } from '../../tenancy/web-session.service.js';
import { MAX_VERIFY_UPLOAD } from '../packs.controller.js';
import { html, pageHeaders, SafeHtml, sendPage } from './html.js';

const SESSION_COOKIE = 'pp_session';
const UPLOAD_DIR = path.join(os.tmpdir(), 'patchproof-verify-uploads');

/** What multer hands over for a file stored on disk. */
interface UploadedArchive {
  originalname: string;
  path: string;
  size: number;
}

const NOT_FOUND_BODY = html`<h1>Link not available</h1>
  <p>
    This link does not exist, has expired, was revoked or has been used as often as allowed. Ask whoever sent
    it for a new one.
  </p>`;

function percent(rate: unknown): string {
  const r = rate as { numerator?: number; denominator?: number; value?: number | null } | null;
  if (!r || typeof r.denominator !== 'number') return '—';
  if (r.value === null || r.value === undefined) return `no items (${r.numerator ?? 0} of ${r.denominator})`;
  return `${(r.value * 100).toFixed(1)} % (${r.numerator} of ${r.denominator})`;
}

const day = (d: Date | string): string => new Date(d).toISOString().slice(0, 10);

function checksTable(v: PackVerification): SafeHtml {
  return html`<table>
    <caption>
      File by file
    </caption>
    <thead>
      <tr>
        <th scope="col">File</th>
        <th scope="col">Check</th>
        <th scope="col">Result</th>
      </tr>
    </thead>
    <tbody>
      ${v.checks.map(
        (c) =>
          html`<tr>
            <td><code>${c.file}</code></td>
            <td>${c.check}</td>
            <td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'OK' : 'FAILED'}: ${c.detail}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function landing(token: string, s: SharedPack): SafeHtml {
  const summary = (s.pack.summary ?? {}) as {
    client?: string;
    period?: string;
    slaCompliance?: unknown;
    breaches?: number;
    cases?: number;
    events?: number;
    controls?: { satisfied?: number; total?: number };
    ledgerVerified?: boolean;
  };
  const controls = summary.controls ?? {};
  // The MSP's name is read from the manifest only when its signature verified.
  const msp = s.verification.ok ? s.verification.manifest?.tenant.name : undefined;
  const client = summary.client ?? s.verification.manifest?.client.name ?? '—';
  const period = summary.period ?? `${day(s.pack.periodFrom)} – ${day(s.pack.periodTo)}`;
  const base = `/s/${encodeURIComponent(token)}`;
  const left =
    s.link.maxDownloads === null
      ? 'no limit'
      : `${s.link.maxDownloads - s.link.downloads} of ${s.link.maxDownloads}`;
  return html`<h1>Evidence pack: ${client}, ${period}</h1>
    <section aria-labelledby="what">
      <h2 id="what">What was shared</h2>
      <dl>
        <dt>Client</dt>
        <dd>${client}</dd>
        <dt>Managed service provider</dt>
        <dd>${msp ?? '—'}</dd>
        <dt>Period</dt>
        <dd>${period} (${day(s.pack.periodFrom)} to ${day(s.pack.periodTo)}, end exclusive)</dd>
        <dt>Figures as of</dt>
        <dd>${s.pack.asOf.toISOString()}</dd>
      </dl>
    </section>
    <section aria-labelledby="figures">
      <h2 id="figures">Key figures</h2>
      <dl>
        <dt>SLA compliance</dt>
        <dd data-figure="sla">${percent(summary.slaCompliance)}</dd>
        <dt>SLA breaches</dt>
        <dd data-figure="breaches">${summary.breaches ?? '—'}</dd>
        <dt>Remediation cases</dt>
        <dd data-figure="cases">${summary.cases ?? '—'}</dd>
        <dt>Events</dt>
        <dd data-figure="events">${summary.events ?? '—'}</dd>
        <dt>Controls satisfied</dt>
        <dd data-figure="controls">${controls.satisfied ?? '—'} of ${controls.total ?? '—'}</dd>
        <dt>Event ledger</dt>
        <dd>${summary.ledgerVerified === true ? 'verified' : 'not verified'}</dd>
      </dl>
    </section>
    <section aria-labelledby="sig">
      <h2 id="sig">Signature</h2>
      ${
        s.verification.ok
          ? html`<p class="ok" role="status">
              Signature valid: every file matches the signed manifest (checked
              ${s.verification.verifiedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC).
            </p>`
          : html`<p class="bad" role="alert">This archive does not verify. Do not rely on it.</p>`
      }
      <p>Archive SHA-256: <code>${s.archive.sha256}</code></p>
      <details>
        <summary>Checks</summary>
        ${checksTable(s.verification)}
      </details>
    </section>
    <section aria-labelledby="dl">
      <h2 id="dl">Download</h2>
      <p>
        <a class="button" href="${base}/pack.pdf" download>Download the PDF report</a>
        <a class="button" href="${base}/download" download
          >Download the signed archive (${s.archive.fileName})</a
        >
      </p>
      <p>
        Downloads left: ${left}. This link expires ${s.link.expiresAt.toISOString()}. Check the archive
        yourself on the <a href="/verify">verification page</a>.
      </p>
    </section>`;
}

function verifyForm(): SafeHtml {
  return html`<form method="post" action="/verify" enctype="multipart/form-data">
    <label for="archive">Pack archive (.zip)</label>
    <input id="archive" name="archive" type="file" accept=".zip,application/zip" required />
    <p><button type="submit">Verify</button></p>
  </form>`;
}

/** A stored pack archive as an attachment, with its SHA-256 in a header for the recipient to compare. */
async function sendArchive(
  res: Response,
  file: { path: string; fileName: string; sha256: string; size: number },
): Promise<void> {
  pageHeaders(res);
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
  res.setHeader('Content-Length', String(file.size));
  res.setHeader('X-Archive-SHA256', file.sha256);
  await pipeline(fs.createReadStream(file.path), res);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

@Public()
@Controller()
export class PagesController {
  constructor(
    private readonly shareLinks: ShareLinksService,
    private readonly evidence: EvidenceService,
    private readonly tenancy: TenancyService,
    private readonly sessions: WebSessionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // --- share links ------------------------------------------------------------------------------------------

  @Get('s/:token')
  async shared(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const shared = await this.orNotFound(res, () => this.shareLinks.view(token, new Date()));
    if (shared) sendPage(res, 200, 'Shared evidence pack', landing(token, shared));
  }

  @Get('s/:token/download')
  async sharedArchive(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const file = await this.orNotFound(res, () => this.shareLinks.download(token, 'archive', new Date()));
    if (file?.path) await sendArchive(res, { ...file, path: file.path });
  }

  @Get('s/:token/pack.pdf')
  async sharedPdf(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const file = await this.orNotFound(res, () => this.shareLinks.download(token, 'pdf', new Date()));
    if (!file?.data) return;
    pageHeaders(res);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
    res.setHeader('X-Archive-SHA256', file.sha256);
    res.status(200).end(file.data);
  }

  // --- verification -----------------------------------------------------------------------------------------

  @Get('verify')
  verifyPage(@Res() res: Response): void {
    sendPage(
      res,
      200,
      'Verify a pack',
      html`<h1>Verify an evidence pack</h1>
        <p>
          Upload a pack archive to check its signatures and every file against its signed manifest. No account
          needed; the file is deleted once checked.
        </p>
        ${verifyForm()}`,
    );
  }

  @Post('verify')
  @UseInterceptors(
    FileInterceptor('archive', {
      dest: UPLOAD_DIR,
      limits: { fileSize: MAX_VERIFY_UPLOAD, files: 1, fields: 4, parts: 5 },
    }),
  )
  async verifyUpload(@UploadedFile() file: UploadedArchive | undefined, @Res() res: Response): Promise<void> {
    if (!file) {
      sendPage(
        res,
        400,
        'Verify a pack',
        html`<h1>Verify an evidence pack</h1>
          <p class="bad" role="alert">Choose a pack archive to upload.</p>
          ${verifyForm()}`,
      );
      return;
    }
    try {
      let result: SafeHtml;
      try {
        const v = await this.evidence.verifyArchive(file.path);
        const failed = v.checks.filter((c) => !c.ok).map((c) => c.file);
        result = v.ok
          ? html`<p class="ok" role="status">
                <strong>${file.originalname}</strong> verifies: signatures valid, every file matches the
                signed manifest.
              </p>
              ${checksTable(v)}`
          : html`<p class="bad" role="alert">
                <strong>${file.originalname}</strong> does NOT verify. Failed:
                ${[...new Set(failed)].join(', ')}.
              </p>
              ${checksTable(v)}`;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        result = html`<p class="bad" role="alert">
          <strong>${file.originalname}</strong> does NOT verify: ${err.message}.
        </p>`;
      }
      sendPage(
        res,
        200,
        'Verification result',
        html`<h1>Verification result</h1>
          ${result}
          <h2>Verify another archive</h2>
          ${verifyForm()}`,
      );
    } finally {
      fs.rmSync(file.path, { force: true });
    }
  }

  // --- signed-in pages --------------------------------------------------------------------------------------

  @Get('login')
  loginPage(@Res() res: Response): void {
    sendPage(res, 200, 'Sign in', this.loginBody(), 'same-origin');
  }

  @Post('login')
  async login(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!this.sameOrigin(req)) {
      sendPage(res, 403, 'Sign in', this.loginBody('This form must be sent from this site.'), 'same-origin');
      return;
    }
    const apiKey = typeof req.body?.apiKey === 'string' ? (req.body.apiKey as string).trim() : '';
    try {
      const { sessionId } = await this.sessions.start(apiKey, new Date());
      const secure = req.secure || this.config.publicBaseUrl.startsWith('https:');
      res.setHeader(
        'Set-Cookie',
        `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_HOURS * 3600}` +
          (secure ? '; Secure' : ''),
      );
      pageHeaders(res);
      res.redirect(303, '/packs');
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      sendPage(
        res,
        401,
        'Sign in',
        this.loginBody('That API key is not valid for reading evidence.'),
        'same-origin',
      );
    }
  }

  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (this.sameOrigin(req)) {
      await this.sessions.end(parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? '', new Date());
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    }
    pageHeaders(res);
    res.redirect(303, '/login');
  }

  @Get('packs')
  async packs(@Req() req: Request, @Query('clientId') clientId: string | undefined, @Res() res: Response) {
    const actor = await this.signedIn(req, res);
    if (!actor) return;
    // An id that is not a UUID matches nothing (and must not reach a ::uuid cast).
    const requested = clientId || null;
    const wellFormed = requested === null || isUuid(requested);
    const [clients, packs] = await Promise.all([
      this.tenancy.clients(actor),
      (wellFormed ? this.evidence.list(actor, requested) : Promise.resolve([])).catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'NOT_FOUND') return [] as EvidencePackRecord[];
        throw err;
      }),
    ]);
    const names = new Map(clients.map((c) => [c.id, c.name]));
    const rows = packs.map(
      (p) =>
        html`<tr>
          <td>${names.get(p.clientId) ?? p.clientId}</td>
          <td>
            ${(p.summary as { period?: string } | null)?.period ?? `${day(p.periodFrom)} – ${day(p.periodTo)}`}
          </td>
          <td>${p.status}</td>
          <td>${p.createdAt.toISOString()}</td>
          <td>
            ${p.status === 'ready' ? html`<a href="/packs/${p.id}/download" download>Download archive</a>` : '—'}
          </td>
        </tr>`,
    );
    sendPage(
      res,
      200,
      'Evidence packs',
      html`<h1>Evidence packs</h1>
        <p>Signed in as ${actor.label || actor.role} (${actor.role}).</p>
        <form method="post" action="/logout"><button type="submit">Sign out</button></form>
        <form method="get" action="/packs">
          <label for="clientId">Client</label>
          <select id="clientId" name="clientId">
            ${actor.clientId === null ? html`<option value="">All clients</option>` : ''}
            ${clients.map((c) => html`<option value="${c.id}" ${new SafeHtml(c.id === requested ? ' selected' : '')}>${c.name}</option>`)}
          </select>
          <button type="submit">Show</button>
        </form>
        ${
          rows.length
            ? html`<table>
                <caption>
                  Packs and attestations, newest first
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Client</th>
                    <th scope="col">Period</th>
                    <th scope="col">Status</th>
                    <th scope="col">Created</th>
                    <th scope="col">Download</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>`
            : html`<p>No packs yet.</p>`
        }`,
      'same-origin',
    );
  }

  @Get('packs/:id/download')
  async packDownload(@Req() req: Request, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const actor = await this.signedIn(req, res);
    if (!actor) return;
    const file = await this.orNotFound(res, () => this.evidence.openForDownload(actor, id));
    if (file) await sendArchive(res, file);
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  private loginBody(error?: string): SafeHtml {
    return html`<h1>Sign in</h1>
      ${error ? html`<p class="bad" role="alert">${error}</p>` : ''}
      <form method="post" action="/login">
        <label for="apiKey">API key</label>
        <input id="apiKey" name="apiKey" type="password" autocomplete="off" required size="60" />
        <p><button type="submit">Sign in</button></p>
      </form>
      <p>
        A client viewer, auditor or MSP admin key. The key is not kept in the browser: you get a session
        cookie for ${SESSION_HOURS} hours.
      </p>`;
  }

  /** CSRF: a form POST must come from this site (Origin, or Referer when a browser sends no Origin). */
  private sameOrigin(req: Request): boolean {
    const source = req.headers.origin ?? req.headers.referer;
    if (typeof source !== 'string' || !req.headers.host) return false;
    try {
      return new URL(source).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private async signedIn(req: Request, res: Response): Promise<Actor | null> {
    const actor = await this.sessions.actor(
      parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? '',
      new Date(),
    );
    if (!actor) {
      pageHeaders(res);
      res.redirect(303, '/login');
    }
    return actor;
  }

  /** Runs `work`; a NOT_FOUND (or a pack not ready) becomes the one "not available" page, so nothing can be probed. */
  private async orNotFound<T>(res: Response, work: () => Promise<T>): Promise<T | null> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'NOT_FOUND' || err.code === 'CONFLICT')) {
        sendPage(res, 404, 'Not available', NOT_FOUND_BODY);
        return null;
      }
      throw err;
    }
  }
}

/**
 * A tiny template helper for the server-rendered evidence pages: escaped interpolation and one layout. No scripts:
 * every page works without JavaScript, and the CSP forbids any.
 */
import type { Response } from 'express';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML that is already safe (built by `html`), as opposed to text that must be escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c]);

type Part = SafeHtml | string | number | null | undefined | readonly Part[];

function render(p: Part): string {
  if (p === null || p === undefined) return '';
  if (p instanceof SafeHtml) return p.value;
  if (Array.isArray(p)) return (p as readonly Part[]).map(render).join('');
  return escapeHtml(String(p));
}

/** Tagged template: every interpolated value is escaped unless it is SafeHtml (or a list of them). */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => (out += render(v) + strings[i + 1]));
  return new SafeHtml(out);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ccc}
.ok{color:#0a6b2d}.bad{color:#a4161a}.button{display:inline-block;padding:.5rem 1rem;margin:.25rem .5rem .25rem 0;background:#0b4f8a;color:#fff;text-decoration:none;border-radius:4px}
.button:focus,.button:hover{background:#083a66}dt{font-weight:600}dd{margin:0 0 .5rem 0}code{word-break:break-all}label{display:block;margin:.5rem 0 .25rem}`;

export function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Patchproof</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`.value;
}

/**
 * Headers for every page: no caching, no scripts, no framing. Share-link pages (token in the URL) send no referrer at
 * all; the others send it only to this site, because with `no-referrer` Chromium posts forms with `Origin: null`
 * and the sign-in form's CSRF check needs the real origin.
 */
export function pageHeaders(res: Response, referrer: 'no-referrer' | 'same-origin' = 'no-referrer'): void {
  res.setHeader('Referrer-Policy', referrer);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
}

export function sendPage(
  res: Response,
  status: number,
  title: string,
  body: SafeHtml,
  referrer: 'no-referrer' | 'same-origin' = 'no-referrer',
): void {
  pageHeaders(res, referrer);
  res.status(status).type('html').send(layout(title, body));
}

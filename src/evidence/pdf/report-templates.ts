/**
 * Report layout and MSP branding: content a compliance person reviews without reading TypeScript
 * (templates/reports/layout.json and branding.json). Loaded once, validated here, so a typo in a colour or a
 * placeholder fails at start with the file and the key, not halfway through rendering a client's pack.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';

import { z } from 'zod';

/** Every `{name}` the renderer knows how to fill. Unknown names are rejected at load time. */
export const PLACEHOLDERS = [
  'client',
  'msp',
  'period',
  'periodFrom',
  'periodTo',
  'asOf',
  'generatedAt',
  'packId',
  'timeZone',
  'frameworks',
  'policyName',
  'policyVersion',
  'policyClock',
  'policyDayKind',
  'policyDays',
  'framework',
  'frameworkVersion',
  'catalogVersion',
  'count',
  'numerator',
  'denominator',
  'open',
  'excluded',
  'halfLife',
  'seed',
  'populationSize',
  'sampleSize',
  'shown',
  'more',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const KNOWN = new Set<string>(PLACEHOLDERS);
const hex = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a hex colour like #1d2939');
const text = z
  .string()
  .min(1, 'must not be empty')
  .superRefine((s, ctx) => {
    for (const m of s.matchAll(/\{([^{}]*)\}/g)) {
      if (!KNOWN.has(m[1])) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {${m[1]}}; known: ${PLACEHOLDERS.join(', ')}`,
        });
      }
    }
  });
const fontFile = z.string().regex(/^[\w.-]+\.ttf$/, 'expected a TrueType file name like DejaVuSans.ttf');
const statusRecord = <T extends z.ZodType>(t: T) =>
  z.strictObject({ satisfied: t, not_satisfied: t, not_applicable: t, insufficient_evidence: t });
const severityRecord = <T extends z.ZodType>(t: T) =>
  z.strictObject({ critical: t, high: t, medium: t, low: t, none: t });
const margin = z.number().min(18).max(144);

const layoutSchema = z.strictObject({
  page: z.strictObject({
    size: z.enum(['A4', 'LETTER']),
    margins: z.strictObject({ top: margin, bottom: margin, left: margin, right: margin }),
  }),
  fonts: z.strictObject({ regular: fontFile, bold: fontFile }),
  fontSizes: z.strictObject({
    title: z.number().min(12).max(48),
    h1: z.number().min(10).max(32),
    h2: z.number().min(8).max(24),
    body: z.number().min(6).max(14),
    small: z.number().min(5).max(12),
    table: z.number().min(5).max(12),
    figure: z.number().min(10).max(36),
  }),
  colors: z.strictObject({
    text: hex,
    muted: hex,
    rule: hex,
    tableHeaderBg: hex,
    tableStripe: hex,
    breachRow: hex,
    status: statusRecord(hex),
    severity: severityRecord(hex),
    chart: z.strictObject({
      bar: hex,
      barAlt: hex,
      line: hex,
      target: hex,
      grid: hex,
      axis: hex,
    }),
  }),
  statusLabels: statusRecord(z.string().min(1)),
  sectionTitles: z.strictObject({
    contents: text,
    summary: text,
    keyFigures: text,
    breaches: text,
    charts: text,
    framework: text,
    exceptions: text,
    changes: text,
    changeSample: text,
    cases: text,
    provenance: text,
  }),
  chartTitles: z.strictObject({
    ttrBySeverity: text,
    slaTrend: text,
    openBacklog: text,
    survival: text,
  }),
  captions: z.strictObject({
    ttrBySeverity: text,
    slaTrend: text,
    openBacklog: text,
    survival: text,
    moreRows: text,
    moreIds: text,
    moreFindings: text,
    moreChanges: text,
  }),
  paragraphs: z.strictObject({
    cover: text,
    summary: text,
    breachesNone: text,
    framework: text,
    exceptions: text,
    exceptionsNone: text,
    changes: text,
    changesNone: text,
    changeSample: text,
    cases: text,
    provenance: text,
  }),
  evidence: z.strictObject({
    maxCaseRows: z.int().min(1).max(200),
    maxEventIds: z.int().min(1).max(200),
    /** Findings listed under a test; the rest are counted, and all are in the XLSX Findings sheet. */
    maxFindings: z.int().min(1).max(10_000),
    /** Rows of the failed and rolled-back changes table; all are in the XLSX and events.csv.gz. */
    maxChangeRows: z.int().min(1).max(100_000),
  }),
});

const vectorLogo = z.strictObject({
  type: z.literal('vector'),
  /** Width and height of the coordinate space the paths are drawn in (SVG viewBox without the origin). */
  viewBox: z.tuple([z.number().positive(), z.number().positive()]),
  paths: z
    .array(
      z.strictObject({
        d: z
          .string()
          .regex(/^[MmLlHhVvCcSsQqTtAaZz0-9.,\s-]+$/, 'expected SVG path data (M, L, C, A, Z … and numbers)'),
        fill: hex,
      }),
    )
    .min(1),
  width: z.number().positive().max(200),
});
const pngLogo = z.strictObject({
  type: z.literal('png'),
  /** Relative to the templates directory. */
  file: z.string().regex(/\.png$/i, 'expected a .png file'),
  width: z.number().positive().max(200),
});

const brandingSchema = z.strictObject({
  mspName: z.string().min(1),
  tagline: z.string().optional(),
  colors: z.strictObject({ primary: hex, accent: hex }),
  logo: z.discriminatedUnion('type', [vectorLogo, pngLogo]),
});

export type ReportLayout = z.infer<typeof layoutSchema>;
export type Branding = z.infer<typeof brandingSchema>;

export class ReportTemplateError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    reason: string,
  ) {
    super(`${file}: ${key ? `${key}: ` : ''}${reason}`);
    this.name = 'ReportTemplateError';
  }
}

const require = createRequire(import.meta.url);

/** Fonts come from the dejavu-fonts-ttf package: wide Unicode coverage (ü, Å, ø, ✓) and embeddable. */
export function resolveFontFile(name: string): string {
  return require.resolve(`dejavu-fonts-ttf/ttf/${name}`);
}

function readJson(path: string, file: string): unknown {
  if (!existsSync(path)) throw new ReportTemplateError(file, '', `file not found at ${path}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ReportTemplateError(file, '', `not valid JSON (${(err as Error).message})`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = issue.path.map(String).join('.');
  const extra = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : '';
  const reason =
    issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
  throw new ReportTemplateError(file, key, reason + extra);
}

/**
 * Reads `layout.json` and `branding.json` from `dir` (normally templates/reports). Throws ReportTemplateError naming
 * the file and the key at fault. A PNG logo's `file` is returned as an absolute path.
 */
export function loadReportTemplates(dir: string): { layout: ReportLayout; branding: Branding } {
  const layout = parse(layoutSchema, readJson(join(dir, 'layout.json'), 'layout.json'), 'layout.json');
  for (const key of ['regular', 'bold'] as const) {
    try {
      resolveFontFile(layout.fonts[key]);
    } catch {
      throw new ReportTemplateError(
        'layout.json',
        `fonts.${key}`,
        `${layout.fonts[key]} is not in dejavu-fonts-ttf/ttf`,
      );
    }
  }
  const branding = parse(
    brandingSchema,
    readJson(join(dir, 'branding.json'), 'branding.json'),
    'branding.json',
  );
  if (branding.logo.type === 'png') {
    const file = isAbsolute(branding.logo.file) ? branding.logo.file : resolve(dir, branding.logo.file);
    if (!existsSync(file))
      throw new ReportTemplateError('branding.json', 'logo.file', `file not found at ${file}`);
    branding.logo = { ...branding.logo, file };
  }
  return { layout, branding };
}

/** Fills `{name}` placeholders; a placeholder without a value is a bug in the caller, so it throws. */
export function fillTemplate(
  template: string,
  values: Partial<Record<Placeholder, string | number>>,
): string {
  return template.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    const v = values[name as Placeholder];
    if (v === undefined) throw new Error(`template placeholder {${name}} has no value in: ${template}`);
    return String(v);
  });
}

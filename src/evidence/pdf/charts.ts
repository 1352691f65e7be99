/**
 * Vector charts drawn with pdfkit primitives (no raster images: they stay sharp when printed and their labels stay
 * searchable text). Each chart has a title, axes with ticks and labels, and a caption that states the denominator,
 * because a rate without its denominator is not evidence.
 */
import type { MetricsReport } from '../../metrics/metrics-report.js';
import type { SlaPolicyVersion } from '../../metrics/sla-policy.types.js';
import type { Severity } from '../../vulnerabilities/vulnerability-facts.js';
import type { Doc } from './table.js';
import { measurerFor } from './table.js';

export interface ChartBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChartTheme {
  regularFont: string;
  boldFont: string;
  titleSize: number;
  labelSize: number;
  text: string;
  muted: string;
  bar: string;
  barAlt: string;
  line: string;
  target: string;
  grid: string;
  axis: string;
}

interface Plot {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Round axis ticks: steps of 1, 2, 2.5 or 5 × 10^k covering [0, max]. */
export function niceScale(max: number, maxTicks = 5, integer = false): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: integer ? 1 : 0.25 };
  const raw = max / maxTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  if (integer) step = Math.max(1, Math.ceil(step));
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

const fmtTick = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** Title on top, caption at the bottom, room for tick labels; returns the plot area left in between. */
function frame(
  doc: Doc,
  box: ChartBox,
  theme: ChartTheme,
  title: string,
  caption: string,
  yLabel: string,
  xLabelRows: number,
): Plot {
  doc.save();
  doc.font(theme.boldFont).fontSize(theme.titleSize).fillColor(theme.text);
  doc.text(measurerFor(doc).fit(title, box.width, theme.boldFont, theme.titleSize), box.x, box.y, {
    lineBreak: false,
  });
  // Wrapped by hand and written line by line: pdfkit's own wrapping would start a new page near the bottom.
  const capSize = theme.labelSize - 0.5;
  const capLineH = capSize * 1.25;
  const lines = measurerFor(doc).wrap(caption, box.width, theme.regularFont, capSize);
  const captionH = lines.length * capLineH;
  doc.font(theme.regularFont).fontSize(capSize).fillColor(theme.muted);
  lines.forEach((line, i) => {
    doc.text(line, box.x, box.y + box.height - captionH + i * capLineH, { lineBreak: false });
  });
  doc.restore();
  const top = box.y + theme.titleSize * 1.3 + theme.labelSize * 1.4;
  const bottom = box.y + box.height - captionH - 4 - xLabelRows * theme.labelSize * 1.25 - 4;
  const left = box.x + theme.labelSize * 1.5 + theme.labelSize * 3.2;
  // y-axis label, rotated, centred on the plot.
  doc.save();
  doc.font(theme.regularFont).fontSize(theme.labelSize).fillColor(theme.muted);
  const lw = doc.widthOfString(yLabel);
  const cy = (top + bottom) / 2;
  doc.rotate(-90, { origin: [box.x + 1, cy] });
  doc.text(yLabel, box.x + 1 - lw / 2, cy - theme.labelSize * 0.2, { lineBreak: false });
  doc.restore();
  return { x: left, y: top, width: box.x + box.width - left - 4, height: bottom - top };
}

function yAxis(
  doc: Doc,
  plot: Plot,
  theme: ChartTheme,
  scale: { max: number; step: number },
  fmt: (v: number) => string,
): void {
  doc.save();
  doc.font(theme.regularFont).fontSize(theme.labelSize).lineWidth(0.4);
  for (let v = 0; v <= scale.max + 1e-9; v += scale.step) {
    const y = plot.y + plot.height - (v / scale.max) * plot.height;
    if (v > 0)
      doc
        .moveTo(plot.x, y)
        .lineTo(plot.x + plot.width, y)
        .strokeColor(theme.grid)
        .stroke();
    doc
      .moveTo(plot.x - 3, y)
      .lineTo(plot.x, y)
      .strokeColor(theme.axis)
      .stroke();
    const label = fmt(v);
    doc.fillColor(theme.axis).text(label, plot.x - 5 - doc.widthOfString(label), y - theme.labelSize * 0.6, {
      lineBreak: false,
    });
  }
  doc
    .moveTo(plot.x, plot.y)
    .lineTo(plot.x, plot.y + plot.height)
    .lineTo(plot.x + plot.width, plot.y + plot.height)
    .lineWidth(0.8)
    .strokeColor(theme.axis)
    .stroke();
  doc.restore();
}

function centred(doc: Doc, text: string, cx: number, y: number): void {
  doc.text(text, cx - doc.widthOfString(text) / 2, y, { lineBreak: false });
}

export interface BarChartSpec {
  title: string;
  caption: string;
  yLabel: string;
  categories: string[];
  /** Second line under each category (e.g. `n=12`). */
  subLabels?: string[];
  values: (number | null)[];
  /** Label above each bar (e.g. `47/50`); defaults to the value. */
  valueLabels?: string[];
  /** Optional upper whisker per bar (e.g. p90). */
  whiskers?: (number | null)[];
  /** Optional target mark per bar (e.g. the policy deadline). */
  targets?: (number | null)[];
  barColors?: string[];
  yMax?: number;
  yFormat?: (v: number) => string;
  integer?: boolean;
}

export function barChart(doc: Doc, box: ChartBox, spec: BarChartSpec, theme: ChartTheme): void {
  const plot = frame(doc, box, theme, spec.title, spec.caption, spec.yLabel, spec.subLabels ? 2 : 1);
  const peak = Math.max(
    0,
    ...spec.values.map((v) => v ?? 0),
    ...(spec.whiskers ?? []).map((v) => v ?? 0),
    ...(spec.targets ?? []).map((v) => v ?? 0),
  );
  const scale =
    spec.yMax !== undefined ? niceScale(spec.yMax, 5, spec.integer) : niceScale(peak * 1.08, 5, spec.integer);
  const fmt = spec.yFormat ?? fmtTick;
  yAxis(doc, plot, theme, scale, fmt);
  const n = spec.categories.length;
  const slot = plot.width / Math.max(1, n);
  const barW = Math.min(slot * 0.56, 42);
  const yOf = (v: number): number =>
    plot.y + plot.height - (Math.min(v, scale.max) / scale.max) * plot.height;
  doc.save();
  doc.font(theme.regularFont).fontSize(theme.labelSize);
  for (let i = 0; i < n; i++) {
    const cx = plot.x + slot * (i + 0.5);
    const v = spec.values[i];
    if (v !== null && v > 0) {
      doc
        .rect(cx - barW / 2, yOf(v), barW, plot.y + plot.height - yOf(v))
        .fill(spec.barColors?.[i] ?? theme.bar);
    }
    const w = spec.whiskers?.[i];
    if (w !== undefined && w !== null && v !== null) {
      doc
        .moveTo(cx, yOf(v))
        .lineTo(cx, yOf(w))
        .moveTo(cx - barW / 5, yOf(w))
        .lineTo(cx + barW / 5, yOf(w))
        .lineWidth(0.9)
        .strokeColor(theme.axis)
        .stroke();
    }
    const t = spec.targets?.[i];
    if (t !== undefined && t !== null) {
      doc
        .moveTo(cx - barW / 2 - 4, yOf(t))
        .lineTo(cx + barW / 2 + 4, yOf(t))
        .lineWidth(1.2)
        .dash(2.5, { space: 1.5 })
        .strokeColor(theme.target)
        .stroke()
        .undash();
    }
    const label = spec.valueLabels?.[i] ?? (v === null ? 'n/a' : fmt(v));
    // Above the highest mark of the bar (value, whisker or target) so the label never sits on a line.
    const top = Math.min(
      yOf(v ?? 0),
      w !== undefined && w !== null ? yOf(w) : Infinity,
      t !== undefined && t !== null ? yOf(t) - 1 : Infinity,
    );
    doc.fillColor(theme.text);
    centred(doc, label, cx, Math.max(plot.y - theme.labelSize * 1.2, top - theme.labelSize * 1.3));
    doc.fillColor(theme.axis);
    centred(doc, spec.categories[i], cx, plot.y + plot.height + 4);
    if (spec.subLabels) {
      doc.fillColor(theme.muted);
      centred(doc, spec.subLabels[i], cx, plot.y + plot.height + 4 + theme.labelSize * 1.25);
    }
  }
  doc.restore();
}

export interface StepChartSpec {
  title: string;
  caption: string;
  xLabel: string;
  yLabel: string;
  /** (t, value in 0..1) from t = 0, drawn as a right-continuous step function. */
  points: { t: number; value: number; censored: number }[];
  halfLife: number | null;
  halfLifeLabel: string;
}

/** A survival (step) curve on 0–100 % with the half-life marked and censored times shown as `+`. */
export function stepChart(doc: Doc, box: ChartBox, spec: StepChartSpec, theme: ChartTheme): void {
  const plot = frame(doc, box, theme, spec.title, spec.caption, spec.yLabel, 2);
  const yScale = { max: 1, step: 0.25 };
  yAxis(doc, plot, theme, yScale, (v) => `${Math.round(v * 100)}%`);
  const tMax = Math.max(1, ...spec.points.map((p) => p.t));
  const xs = niceScale(tMax, 6, true);
  const xOf = (t: number): number => plot.x + (t / xs.max) * plot.width;
  const yOf = (v: number): number => plot.y + plot.height - v * plot.height;
  doc.save();
  doc.font(theme.regularFont).fontSize(theme.labelSize).lineWidth(0.4);
  for (let t = 0; t <= xs.max + 1e-9; t += xs.step) {
    const x = xOf(t);
    doc
      .moveTo(x, plot.y + plot.height)
      .lineTo(x, plot.y + plot.height + 3)
      .strokeColor(theme.axis)
      .stroke();
    doc.fillColor(theme.axis);
    centred(doc, fmtTick(t), x, plot.y + plot.height + 4);
  }
  doc.fillColor(theme.muted);
  centred(doc, spec.xLabel, plot.x + plot.width / 2, plot.y + plot.height + 4 + theme.labelSize * 1.25);

  // The curve: horizontal at the previous level until the next event time, then down.
  const pts = [...spec.points].sort((a, b) => a.t - b.t);
  let prev = pts.length > 0 ? pts[0].value : 1;
  doc.moveTo(xOf(0), yOf(prev));
  for (const p of pts) {
    doc.lineTo(xOf(p.t), yOf(prev)).lineTo(xOf(p.t), yOf(p.value));
    prev = p.value;
  }
  doc.lineTo(xOf(tMax), yOf(prev)).lineWidth(1.4).strokeColor(theme.line).stroke();
  for (const p of pts.filter((q) => q.censored > 0)) {
    const x = xOf(p.t);
    const y = yOf(p.value);
    doc
      .moveTo(x - 2.5, y)
      .lineTo(x + 2.5, y)
      .moveTo(x, y - 2.5)
      .lineTo(x, y + 2.5)
      .lineWidth(0.9)
      .strokeColor(theme.axis)
      .stroke();
  }
  // Half-life: the 50 % line and the day the curve first reaches it.
  doc
    .moveTo(plot.x, yOf(0.5))
    .lineTo(spec.halfLife !== null ? xOf(spec.halfLife) : plot.x + plot.width, yOf(0.5))
    .lineWidth(0.9)
    .dash(3, { space: 2 })
    .strokeColor(theme.target)
    .stroke();
  if (spec.halfLife !== null) {
    doc
      .moveTo(xOf(spec.halfLife), yOf(0.5))
      .lineTo(xOf(spec.halfLife), plot.y + plot.height)
      .stroke();
  }
  doc.undash();
  doc.font(theme.boldFont).fillColor(theme.target);
  const lx =
    spec.halfLife !== null
      ? Math.min(xOf(spec.halfLife) + 4, plot.x + plot.width - doc.widthOfString(spec.halfLifeLabel))
      : plot.x + 4;
  doc.text(spec.halfLifeLabel, lx, yOf(0.5) - theme.labelSize * 1.35, { lineBreak: false });
  doc.restore();
}

// ---------------------------------------------------------------- the four charts of the evidence pack

export interface PackChartText {
  title: string;
  caption: string;
}

const SEVERITIES: Exclude<Severity, 'none'>[] = ['critical', 'high', 'medium', 'low'];
const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  none: 'None',
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function ttrBySeverityChart(
  doc: Doc,
  box: ChartBox,
  metrics: MetricsReport,
  policy: SlaPolicyVersion,
  text: PackChartText,
  theme: ChartTheme,
  severityColors: Record<Severity, string>,
): void {
  const sev = SEVERITIES;
  barChart(
    doc,
    box,
    {
      title: text.title,
      caption: text.caption,
      yLabel: 'days',
      categories: sev.map((s) => SEVERITY_LABEL[s]),
      subLabels: sev.map((s) => `n=${metrics.ttrBySeverity[s].count}`),
      values: sev.map((s) => metrics.ttrBySeverity[s].median),
      valueLabels: sev.map((s) => {
        const m = metrics.ttrBySeverity[s].median;
        return m === null ? 'n/a' : m.toFixed(1);
      }),
      whiskers: sev.map((s) => metrics.ttrBySeverity[s].p90),
      targets: sev.map((s) => policy.days[s] ?? null),
      barColors: sev.map((s) => severityColors[s]),
    },
    theme,
  );
}

export function slaTrendChart(
  doc: Doc,
  box: ChartBox,
  metrics: MetricsReport,
  text: PackChartText,
  theme: ChartTheme,
): void {
  const trend = metrics.trend;
  barChart(
    doc,
    box,
    {
      title: text.title,
      caption: text.caption,
      yLabel: 'within deadline',
      categories: trend.map((p) => {
        const [y, m] = p.month.split('-');
        return `${MONTHS[Number(m) - 1] ?? m} ${y.slice(2)}`;
      }),
      values: trend.map((p) => (p.slaCompliance.value === null ? null : p.slaCompliance.value * 100)),
      valueLabels: trend.map((p) => `${p.slaCompliance.numerator}/${p.slaCompliance.denominator}`),
      subLabels: trend.map((p) =>
        p.slaCompliance.value === null ? 'n/a' : `${(p.slaCompliance.value * 100).toFixed(1)}%`,
      ),
      barColors: trend.map((_, i) => (i === trend.length - 1 ? theme.bar : theme.barAlt)),
      yMax: 100,
      yFormat: (v) => `${v}%`,
    },
    theme,
  );
}

export function openBacklogChart(
  doc: Doc,
  box: ChartBox,
  metrics: MetricsReport,
  text: PackChartText,
  theme: ChartTheme,
): void {
  const b = metrics.openBacklog;
  const values = [b.d0_7, b.d8_30, b.d31_60, b.d61_90, b.d90_plus];
  barChart(
    doc,
    box,
    {
      title: text.title,
      caption: text.caption,
      yLabel: 'open items',
      categories: ['0–7', '8–30', '31–60', '61–90', '90+'],
      subLabels: ['days', 'days', 'days', 'days', 'days'],
      values,
      valueLabels: values.map(String),
      barColors: values.map((_, i) => (i >= 2 ? theme.target : theme.bar)),
      integer: true,
    },
    theme,
  );
}

export function survivalChart(
  doc: Doc,
  box: ChartBox,
  metrics: MetricsReport,
  text: PackChartText,
  theme: ChartTheme,
): void {
  stepChart(
    doc,
    box,
    {
      title: text.title,
      caption: text.caption,
      xLabel: 'days since clock start',
      yLabel: 'still open',
      points: metrics.survival.map((p) => ({ t: p.t, value: p.survival, censored: p.censored })),
      halfLife: metrics.halfLifeDays,
      halfLifeLabel:
        metrics.halfLifeDays === null
          ? 'half-life not reached'
          : `half-life ${metrics.halfLifeDays.toFixed(1)} d`,
    },
    theme,
  );
}

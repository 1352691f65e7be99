import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

import { samplePackContent } from '../../../test/fixtures/sample-pack-content.js';
import type { EvidencePackContent } from '../pack-content.js';
import { controlToken, oscalUuid, toAssessmentResults, toPoam, validateOscal } from './oscal-export.js';
import {
  compileOscalValidator,
  precompiledOscalValidators,
  writeOscalValidators,
  type OscalKind,
} from './oscal-validators.js';

// The published NIST schemas, read in place (tests only); the service validates with its copies in templates/oscal.
const REALDATA_SCHEMAS = path.resolve(process.cwd(), '../shared/realdata/controls/oscal/schemas');
const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$/;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests walk arbitrary keys of the OSCAL JSON
type Json = Record<string, any>;

function nistValidator(file: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: true });
  addFormatsModule.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(path.join(REALDATA_SCHEMAS, file), 'utf8')) as object);
}

function expectValid(v: ValidateFunction, doc: unknown): void {
  const ok = v(doc);
  // Print the schema errors on failure: they name the path at fault.
  expect(ok ? [] : v.errors?.slice(0, 10)).toEqual([]);
}

/** Every string under `uuid`-like keys, to check the pattern and uniqueness. */
function collectUuids(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => collectUuids(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'uuid' && typeof v === 'string') out.push(v);
      else collectUuids(v, out);
    }
  }
  return out;
}

describe('OSCAL export of the sample pack', () => {
  let content: EvidencePackContent;
  let ar: Json;
  let poam: Json;
  let arValidator: ValidateFunction;
  let poamValidator: ValidateFunction;

  beforeAll(() => {
    content = samplePackContent();
    ar = toAssessmentResults(content);
    poam = toPoam(content);
    arValidator = nistValidator('oscal_assessment-results_schema.json');
    poamValidator = nistValidator('oscal_poam_schema.json');
  });

  it('validates against the NIST OSCAL v1.2.1 JSON schemas, and with the service copies', () => {
    expectValid(arValidator, ar);
    expectValid(poamValidator, poam);
    expect(validateOscal(ar, 'assessment-results')).toEqual({ valid: true, errors: [] });
    expect(validateOscal(poam, 'poam')).toEqual({ valid: true, errors: [] });
  });

  it('keeps the schema copies in templates/oscal identical to the published ones', () => {
    for (const f of ['oscal_assessment-results_schema.json', 'oscal_poam_schema.json']) {
      const copy = JSON.parse(readFileSync(path.join('templates/oscal', f), 'utf8'));
      const published = JSON.parse(readFileSync(path.join(REALDATA_SCHEMAS, f), 'utf8'));
      expect(copy).toEqual(published);
    }
  });

  it('rejects documents that break the schema (the validation can fail)', () => {
    const broken = structuredClone(ar);
    // A raw control id is not an OSCAL token: it may not start with a digit.
    broken['assessment-results'].results[0].findings[0].target['target-id'] = '6.3.3';
    delete broken['assessment-results'].metadata['oscal-version'];
    const r = validateOscal(broken, 'assessment-results');
    expect(r.valid).toBe(false);
    expect(r.errors.join('\n')).toMatch(/target-id/);
    expect(r.errors.join('\n')).toMatch(/oscal-version/);
    expect(validateOscal({ 'plan-of-action-and-milestones': {} }, 'poam').valid).toBe(false);
  });

  it('gives the same verdicts and errors with the validators the build writes, and only for the same schemas', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchproof-oscal-'));
    try {
      const file = path.join(dir, 'validators.cjs');
      writeOscalValidators('templates/oscal', file);
      const built = precompiledOscalValidators('templates/oscal', file)!;
      expect([...built.keys()].sort()).toEqual(['assessment-results', 'poam']);
      const broken = structuredClone(ar);
      broken['assessment-results'].results[0].findings[0].target['target-id'] = '6.3.3';
      delete broken['assessment-results'].metadata['oscal-version'];
      const cases: [OscalKind, unknown][] = [
        ['assessment-results', ar],
        ['poam', poam],
        ['assessment-results', broken],
        ['poam', { 'plan-of-action-and-milestones': {} }],
        ['poam', ar],
      ];
      for (const [kind, doc] of cases) {
        const runtime = compileOscalValidator('templates/oscal', kind);
        const standalone = built.get(kind)!;
        expect(standalone(doc)).toBe(runtime(doc));
        expect(standalone.errors ?? null).toEqual(runtime.errors ?? null);
      }
      expect(built.get('assessment-results')!(broken)).toBe(false);
      // Other schema bytes (an edited copy): the built validators are not used for them.
      const edited = path.join(dir, 'schemas');
      mkdirSync(edited);
      for (const f of ['oscal_assessment-results_schema.json', 'oscal_poam_schema.json']) {
        copyFileSync(path.join('templates/oscal', f), path.join(edited, f));
      }
      appendFileSync(path.join(edited, 'oscal_poam_schema.json'), '\n');
      expect(precompiledOscalValidators(edited, file)).toBeNull();
      expect(precompiledOscalValidators('templates/oscal', path.join(dir, 'none.cjs'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('states who, when and which version in the metadata', () => {
    const md = ar['assessment-results'].metadata;
    expect(md['oscal-version']).toBe('1.2.1');
    expect(md['last-modified']).toBe(new Date(content.generatedAt).toISOString());
    expect(md.title).toContain('Northwind Dental Group');
    expect(md.version).toBe(content.packId);
    expect(md.parties.map((p: Json) => p.name)).toEqual(['Harbor IT Services', 'Northwind Dental Group']);
    expect(md['responsible-parties'].map((r: Json) => r['role-id'])).toEqual(['prepared-by', 'prepared-for']);
  });

  it('points import-ap at a back-matter resource describing the pack', () => {
    const doc = ar['assessment-results'];
    const href: string = doc['import-ap'].href;
    expect(href).toMatch(/^#/);
    const resource = doc['back-matter'].resources.find((r: Json) => r.uuid === href.slice(1));
    expect(resource.title).toContain(content.packId);
    expect(resource.description).toContain(content.provenance.ledger.headHash);
    expect(doc['back-matter'].resources.map((r: Json) => r.title)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('PCI DSS 4.0.1'),
        expect.stringContaining('SLA policy'),
      ]),
    );
  });

  it('has one result for the period, with one finding per evaluated control and one observation per test', () => {
    const results = ar['assessment-results'].results;
    expect(results).toHaveLength(1);
    const [r] = results;
    expect(r.start).toBe('2026-10-01T00:00:00.000Z');
    expect(r.end).toBe('2026-11-01T00:00:00.000Z');
    expect(r.findings).toHaveLength(content.controls.length);
    expect(r.findings).toHaveLength(18);
    const reviewed = r['reviewed-controls']['control-selections'].flatMap((s: Json) =>
      s['include-controls'].map((c: Json) => c['control-id']),
    );
    expect(reviewed).toHaveLength(content.controls.length);
    expect(reviewed).toEqual(content.controls.map((c) => controlToken(c.framework, c.controlId)));
    expect(reviewed).toContain('pci-dss_6.3.3');
    expect(reviewed).toContain('hipaa_164.308_a_1_ii_A');
    expect(r.observations).toHaveLength(content.controls.reduce((n, c) => n + c.results.length, 0));

    const observationIds = new Set(r.observations.map((o: Json) => o.uuid));
    for (const f of r.findings) {
      expect(f['related-observations'].length).toBeGreaterThan(0);
      for (const ro of f['related-observations'])
        expect(observationIds.has(ro['observation-uuid'])).toBe(true);
    }
  });

  it('maps the four statuses onto satisfied / not-satisfied and keeps the original', () => {
    const findings: Json[] = ar['assessment-results'].results[0].findings;
    const byControl = (framework: string, id: string): Json =>
      findings.find(
        (f) =>
          f.props.some((p: Json) => p.name === 'control-id' && p.value === id) &&
          f.props.some((p: Json) => p.name === 'framework' && p.value === framework),
      )!;
    const status = (f: Json): string => f.props.find((p: Json) => p.name === 'status').value;

    const pci633 = byControl('pci-dss', '6.3.3');
    expect(pci633.target.status).toEqual({ state: 'not-satisfied', reason: 'fail' });
    expect(pci633.remarks).toContain('srv-zürich-01');
    const pci631 = byControl('pci-dss', '6.3.1');
    expect(pci631.target.status).toEqual({ state: 'satisfied', reason: 'pass' });
    const na = byControl('pci-dss', '11.3.1');
    expect(na.target.status.state).toBe('satisfied');
    expect(na.target.status.reason).toBe('other');
    expect(na.target.status.remarks).toMatch(/Not applicable/);
    expect(status(na)).toBe('not-applicable');
    const insufficient = byControl('pci-dss', '6.5.2');
    expect(insufficient.target.status.state).toBe('not-satisfied');
    expect(insufficient.target.status.reason).toBe('other');
    expect(status(insufficient)).toBe('insufficient-evidence');
  });

  it('links each observation to its evidence: case keys, event ids and methods', () => {
    const r = ar['assessment-results'].results[0];
    const control = content.controls.find((c) => c.framework === 'pci-dss' && c.controlId === '6.3.3')!;
    const breachKey = content.metrics.breaches.find((b) => b.hostname === 'srv-zürich-01')!.caseKey;
    const obs = r.observations.find(
      (o: Json) =>
        o.props.some((p: Json) => p.name === 'control-id' && p.value === '6.3.3') &&
        o.props.some((p: Json) => p.name === 'test' && p.value === 'no_overdue_cases'),
    );
    expect(obs.methods).toEqual(['TEST']);
    expect(obs.types).toEqual(['finding']);
    expect(obs.collected).toBe(new Date(content.asOf).toISOString());
    const evidence = obs['relevant-evidence'].map((e: Json) => e.description).join('\n');
    expect(evidence).toContain(breachKey);
    for (const id of control.results[0].eventIds) expect(evidence).toContain(id);

    const examined = r.observations.find((o: Json) =>
      o.props.some((p: Json) => p.name === 'test' && p.value === 'exceptions_well_formed'),
    );
    expect(examined.methods).toEqual(['EXAMINE']);
    // A test with no cases in scope carries no evidence entry rather than an empty list.
    const empty = r.observations.find((o: Json) =>
      o.props.some((p: Json) => p.name === 'control-id' && p.value === '11.3.1'),
    );
    expect(empty['relevant-evidence']).toBeUndefined();
  });

  it('uses deterministic, schema-shaped, unique UUIDs; parties stay the same across packs', () => {
    const uuids = [...collectUuids(ar), ...collectUuids(poam)];
    for (const u of uuids) expect(u).toMatch(UUID);
    const arUuids = collectUuids(ar);
    expect(new Set(arUuids).size).toBe(arUuids.length);
    expect(toAssessmentResults(samplePackContent())).toEqual(ar);

    const reseeded: Json = toAssessmentResults(content, { uuidSeed: 'another-pack' });
    expect(reseeded['assessment-results'].uuid).not.toBe(ar['assessment-results'].uuid);
    expect(reseeded['assessment-results'].metadata.parties).toEqual(
      ar['assessment-results'].metadata.parties,
    );
    expect(oscalUuid('s', 'a')).toBe(oscalUuid('s', 'a'));
    expect(oscalUuid('s', 'a')).not.toBe(oscalUuid('s', 'b'));
  });

  it('lists open breaches and exceptions as POA&M items with risks and observations', () => {
    const doc = poam['plan-of-action-and-milestones'];
    const openBreaches = content.metrics.breaches.filter((b) => b.remediatedAt === undefined);
    const keys = new Set([
      ...openBreaches.map((b) => b.caseKey),
      ...content.exceptions.map((e) => e.caseKey),
    ]);
    expect(doc['poam-items']).toHaveLength(keys.size);
    expect(doc['poam-items']).toHaveLength(openBreaches.length + content.exceptions.length);
    expect(doc['poam-items']).toHaveLength(2);
    expect(doc.risks).toHaveLength(2);
    expect(doc.observations).toHaveLength(2);
    expect(doc['system-id'].id).toMatch(UUID);

    const riskOf = (item: Json): Json =>
      doc.risks.find((r: Json) => r.uuid === item['related-risks'][0]['risk-uuid']);
    const kev = doc['poam-items'].find((i: Json) => i.title.includes('srv-zürich-01'));
    const breach = openBreaches.find((b) => b.hostname === 'srv-zürich-01')!;
    expect(kev.title).toBe('Remediate KB5068001 on srv-zürich-01 (past due)');
    expect(riskOf(kev).status).toBe('open');
    expect(riskOf(kev).deadline).toBe(new Date(breach.dueAt).toISOString());
    expect(riskOf(kev).statement).toMatch(/Known Exploited/);
    expect(riskOf(kev).props).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'cve-id', value: 'CVE-2026-24990' })]),
    );

    const exception = content.exceptions[0];
    const legacy = doc['poam-items'].find((i: Json) => i.title.includes('legacy-pacs-01'));
    expect(riskOf(legacy).status).toBe('deviation-approved');
    expect(riskOf(legacy).deadline).toBe(new Date(exception.expiresAt).toISOString());
    for (const cc of exception.compensatingControls) {
      expect(legacy.remarks).toContain(cc);
      expect(riskOf(legacy)['mitigating-factors'].map((m: Json) => m.description)).toContain(cc);
    }
    const obs = doc.observations.find(
      (o: Json) => o.uuid === legacy['related-observations'][0]['observation-uuid'],
    );
    expect(obs['relevant-evidence'].map((e: Json) => e.description).join(' ')).toContain(exception.eventId);
  });

  it('merges a breach and an expired exception on the same case into one open item', () => {
    const c = structuredClone(content);
    const breach = c.metrics.breaches.find((b) => b.hostname === 'srv-zürich-01')!;
    c.exceptions.push({
      caseKey: breach.caseKey,
      hostname: breach.hostname,
      patchId: breach.patchId,
      reason: 'Domain controller freeze during audit.',
      compensatingControls: ['Netlogon secure channel enforcement'],
      owner: 'Dr. Helen Carter',
      approver: 'Tomás Ibáñez',
      grantedAt: Date.parse('2026-10-10T00:00:00Z'),
      expiresAt: Date.parse('2026-10-25T00:00:00Z'),
      validAtAsOf: false,
      eventId: 'ev-expired-exception',
    });
    const doc = toPoam(c)['plan-of-action-and-milestones'] as Json;
    expectValid(poamValidator, toPoam(c));
    expect(doc['poam-items']).toHaveLength(2);
    const item = doc['poam-items'].find((i: Json) => i.title.includes('srv-zürich-01'));
    expect(item.props).toEqual(
      expect.arrayContaining([expect.objectContaining({ value: 'sla-breach-with-exception' })]),
    );
    const risk = doc.risks.find((r: Json) => r.uuid === item['related-risks'][0]['risk-uuid']);
    expect(risk.status).toBe('open');
    expect(item.remarks).toContain('Netlogon secure channel enforcement');
  });

  it('still produces a valid POA&M when nothing is open', () => {
    const c = structuredClone(content);
    c.metrics.breaches = c.metrics.breaches.filter((b) => b.remediatedAt !== undefined);
    c.exceptions = [];
    const doc = toPoam(c);
    expectValid(poamValidator, doc);
    const items = (doc['plan-of-action-and-milestones'] as Json)['poam-items'];
    expect(items).toHaveLength(1);
    expect(items[0].props[0].value).toBe('none-open');
  });

  it('maps control ids to OSCAL tokens', () => {
    expect(controlToken('nist-800-53', 'SI-2(3)')).toBe('si-2.3');
    expect(controlToken('pci-dss', '6.3.3')).toBe('pci-dss_6.3.3');
    expect(controlToken('hipaa', '164.312(c)(1)')).toBe('hipaa_164.312_c_1');
    expect(controlToken('sox-itgc', 'AS 2201.39')).toBe('sox-itgc_AS_2201.39');
  });
});

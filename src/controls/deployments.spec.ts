import { periodDeployments } from './deployments.js';
import { asset, buildCase, eventIdSource, inputOf, t } from './testing/case-builder.js';

describe('periodDeployments', () => {
  const ids = eventIdSource();
  const web = asset('srv-web-01');

  it('takes attempts that ended in [period start, min(period end, as-of)), ordered by event id', () => {
    const c = buildCase(
      {
        asset: web,
        patchId: 'KB1',
        attempts: [{ at: '2026-09-30T23:59Z' }, { at: '2026-10-01T00:00Z' }, { at: '2026-10-20T00:00Z' }],
      },
      ids,
    );
    const all = periodDeployments(inputOf([c], { assets: [web] }));
    expect(all.map((d) => d.at)).toEqual([t('2026-10-01T00:00Z'), t('2026-10-20T00:00Z')]);
    const cut = periodDeployments(inputOf([c], { assets: [web], asOf: t('2026-10-10T00:00Z') }));
    expect(cut.map((d) => d.at)).toEqual([t('2026-10-01T00:00Z')]);
  });

  it("reads an emergency change's later approval from the attempt when the fold records it there", () => {
    const c = buildCase(
      { asset: web, patchId: 'KB2', attempts: [{ at: '2026-10-05T03:00Z', actor: 'ops', emergency: true }] },
      ids,
    );
    Object.assign(c.attempts[0], { retroApprovedAt: t('2026-10-06T09:00Z'), retroApprover: 'j.alvarez' });
    const [d] = periodDeployments(inputOf([c], { assets: [web] }));
    expect(d).toMatchObject({
      approvedAt: t('2026-10-06T09:00Z'),
      approver: 'j.alvarez',
      approvedBeforeDeploy: false,
      segregationOfDuties: true,
      sodBasis: 'compared',
    });
  });

  it('takes the ring of the deployment over the ring of the asset', () => {
    const c = buildCase(
      { asset: web, patchId: 'KB3', attempts: [{ at: '2026-10-05T03:00Z', ring: 'Pilot' }] },
      ids,
    );
    const [d] = periodDeployments(inputOf([c], { assets: [web] }));
    expect([d.ring, d.ringKind, d.testedInPilotFirst]).toEqual(['Pilot', 'pilot', null]);
  });
});

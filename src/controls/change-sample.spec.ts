import fc from 'fast-check';
import type { ChangeSample } from '../evidence/pack-content.js';
import { CHANGE_SAMPLE_METHOD, drawChangeSample, samplePositions, seededIntegers } from './change-sample.js';
import { periodDeployments, type PeriodDeployment } from './deployments.js';
import { asset, buildCase, eventIdSource, inputOf } from './testing/case-builder.js';

/** Forty deployments across October with event ids in creation order. */
function population(n = 40): PeriodDeployment[] {
  const ids = eventIdSource('evt-');
  const cases = Array.from({ length: n }, (_, i) =>
    buildCase(
      {
        asset: asset(`srv-${String(i).padStart(2, '0')}`),
        patchId: 'KB5066835',
        approvedAt: '2026-10-01T09:00Z',
        approver: 'j.alvarez',
        attempts: [{ at: `2026-10-${String(2 + (i % 28)).padStart(2, '0')}T18:00Z`, actor: 't.nguyen' }],
      },
      ids,
    ),
  );
  return periodDeployments(inputOf(cases, { assets: cases.map((c) => asset(c.assetId)) }));
}

describe('the documented draw', () => {
  // Known answers computed independently from CHANGE_SAMPLE_METHOD with Python's hashlib, as an auditor would.
  it.each([
    [40, 'acme-2026-10', 5, [3, 22, 32, 20, 9]],
    [3, 'acme-2026-10', 25, [1, 0, 2]],
    [1000, 'seed', 3, [153, 408, 468]],
  ])('N=%i seed=%s size=%i draws %j', (n, seed, size, expected) => {
    expect(samplePositions(n, seed, size)).toEqual(expected);
  });

  it('gives a larger sample that starts with the smaller one (forward Fisher–Yates)', () => {
    expect(samplePositions(40, 'acme-2026-10', 25).slice(0, 5)).toEqual([3, 22, 32, 20, 9]);
  });

  it('draws integers below m without bias, including m = 1', () => {
    const below = seededIntegers('x');
    expect(below(1)).toBe(0);
    expect(() => below(0)).toThrow(RangeError);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[below(3)]++;
    for (const c of counts) expect(c).toBeGreaterThan(900);
  });
});

describe('drawChangeSample', () => {
  it('records seed, sizes and method, and samples the sorted population', () => {
    const deployments = population();
    const sample = drawChangeSample(deployments, 'acme-2026-10', 5);
    expect(sample).toMatchObject({
      seed: 'acme-2026-10',
      requestedSize: 5,
      populationSize: 40,
      method: CHANGE_SAMPLE_METHOD,
    });
    const sorted = [...deployments].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
    expect(sample.items.map((i) => i.eventId)).toEqual([3, 22, 32, 20, 9].map((p) => sorted[p].eventId));
    expect(sample.items[0]).toMatchObject({
      approvedBeforeDeploy: true,
      testedInPilotFirst: false,
      segregationOfDuties: true,
      backOutEvidence: false,
      emergency: false,
      ring: 'production',
    });
  });

  it("has the shape of the pack's ChangeSample", () => {
    const sample: ChangeSample = drawChangeSample(population(3), 's');
    expect(sample.items).toHaveLength(3);
  });

  it('defaults to 25 and takes the whole population when it is smaller', () => {
    expect(drawChangeSample(population(), 's').items).toHaveLength(25);
    expect(drawChangeSample(population(7), 's').items).toHaveLength(7);
    expect(drawChangeSample([], 's').items).toEqual([]);
  });

  it('rejects an empty seed and a size that is not a positive integer', () => {
    expect(() => drawChangeSample(population(), '')).toThrow('seed must not be empty');
    expect(() => drawChangeSample(population(), 's', 0)).toThrow('positive integer');
    expect(() => drawChangeSample(population(), 's', 2.5)).toThrow('positive integer');
  });

  it('is the same whatever order the deployments are listed in, distinct, and drawn from the population', () => {
    const deployments = population();
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.integer({ min: 1, max: 50 }),
        fc.func(fc.integer()),
        (seed, size, key) => {
          const shuffled = [...deployments].sort((a, b) => key(a.eventId) - key(b.eventId));
          const a = drawChangeSample(deployments, seed, size);
          const b = drawChangeSample(shuffled, seed, size);
          expect(b).toEqual(a);
          const ids = a.items.map((i) => i.eventId);
          expect(new Set(ids).size).toBe(Math.min(size, deployments.length));
          for (const id of ids) expect(deployments.some((d) => d.eventId === id)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

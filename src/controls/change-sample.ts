/**
 * The SOX change sample: auditors test program changes on a random sample (often 25) drawn from the complete
 * population, and must be able to re-draw it themselves. So the draw uses no library PRNG but an algorithm anyone
 * can re-implement with a SHA-256 tool, stated in the pack (CHANGE_SAMPLE_METHOD) next to the seed.
 */
import { createHash } from 'node:crypto';
import { byEventId } from './case-facts.js';
import type { PeriodDeployment } from './deployments.js';

export const DEFAULT_SAMPLE_SIZE = 25;

export const CHANGE_SAMPLE_METHOD = [
  "Population: the period's deployment attempts (successful and failed), sorted by event id in ordinal string order.",
  'Key: K = SHA-256(UTF-8 bytes of the seed).',
  'Random stream: SHA-256(K || C) for C = 0, 1, 2, … (C as a 4-byte big-endian integer), concatenated and read as',
  'consecutive 4-byte big-endian unsigned integers u.',
  'Integer below m: the first u with u < 2^32 − (2^32 mod m), taken mod m (later u are rejected, so no bias).',
  'Draw: forward Fisher–Yates: for i = 0 … k−1, swap positions i and i + (integer below N − i), where N is the',
  'population size and k = min(requested size, N); the sample is positions 0 … k−1, in draw order.',
].join(' ');

/** One sampled change, with the attributes the auditor tests (the pack's `SampledChange` is this type). */
export interface SampledChangeFacts {
  caseKey: string;
  eventId: string;
  hostname: string;
  patchId: string;
  deployedAt: number;
  ring?: string;
  approvedBeforeDeploy: boolean;
  testedInPilotFirst: boolean | null;
  segregationOfDuties: boolean | null;
  backOutEvidence: boolean;
  emergency: boolean;
}

/** The drawn sample (the pack's `ChangeSample` is this type). */
export interface DrawnChangeSample {
  seed: string;
  requestedSize: number;
  populationSize: number;
  method: string;
  items: SampledChangeFacts[];
}

/** The documented random stream: uniform integers from SHA-256 in counter mode keyed by SHA-256(seed). */
export function seededIntegers(seed: string): (below: number) => number {
  const key = createHash('sha256').update(seed, 'utf8').digest();
  let counter = 0;
  let block = Buffer.alloc(0);
  let offset = 0;
  const nextUint32 = (): number => {
    if (offset + 4 > block.length) {
      const c = Buffer.alloc(4);
      c.writeUInt32BE(counter++);
      block = createHash('sha256').update(key).update(c).digest();
      offset = 0;
    }
    const u = block.readUInt32BE(offset);
    offset += 4;
    return u;
  };
  return (below: number): number => {
    if (!Number.isInteger(below) || below < 1 || below > 2 ** 32)
      throw new RangeError(`cannot draw below ${below}`);
    const limit = 2 ** 32 - (2 ** 32 % below);
    for (;;) {
      const u = nextUint32();
      if (u < limit) return u % below;
    }
  };
}

/** Positions drawn from a population of `populationSize`, in draw order. */
export function samplePositions(populationSize: number, seed: string, size: number): number[] {
  const positions = Array.from({ length: populationSize }, (_, i) => i);
  const k = Math.min(size, populationSize);
  const below = seededIntegers(seed);
  for (let i = 0; i < k; i++) {
    const j = i + below(populationSize - i);
    [positions[i], positions[j]] = [positions[j], positions[i]];
  }
  return positions.slice(0, k);
}

/**
 * Draw the sample. The population is sorted here, so the result does not depend on the order the caller listed
 * the deployments in; the seed is recorded with the sample so the auditor can re-draw it.
 */
export function drawChangeSample(
  deployments: PeriodDeployment[],
  seed: string,
  size: number = DEFAULT_SAMPLE_SIZE,
): DrawnChangeSample {
  if (seed.length === 0) throw new RangeError('change sample: the seed must not be empty');
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`change sample: size must be a positive integer, got ${size}`);
  }
  const population = [...deployments].sort(byEventId);
  const items = samplePositions(population.length, seed, size).map((i): SampledChangeFacts => {
    const d = population[i];
    return {
      caseKey: d.caseKey,
      eventId: d.eventId,
      hostname: d.hostname,
      patchId: d.patchId,
      deployedAt: d.at,
      ring: d.ring,
      approvedBeforeDeploy: d.approvedBeforeDeploy,
      testedInPilotFirst: d.testedInPilotFirst,
      segregationOfDuties: d.segregationOfDuties,
      backOutEvidence: d.backOutEvidence,
      emergency: d.emergency,
    };
  });
  return {
    seed,
    requestedSize: size,
    populationSize: population.length,
    method: CHANGE_SAMPLE_METHOD,
    items,
  };
}

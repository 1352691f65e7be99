import { cvssSeverity, scoreCvssVector } from './cvss.js';

describe('scoreCvssVector', () => {
  it.each([
    ['3.1', 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
    ['3.1', 'CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 9.3],
    ['3.0', 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['2.0', 'AV:L/AC:L/Au:N/C:C/I:C/A:C', 7.2],
    ['2.0', 'AV:N/AC:M/Au:N/C:N/I:P/A:N', 4.3],
    ['4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
  ] as const)('recomputes the base score of CVSS %s %s', (version, vector, score) => {
    expect(scoreCvssVector(version, vector)).toMatchObject({ ok: true, baseScore: score });
  });

  it('keeps the temporal part of a 3.1 vector out of the base score', () => {
    expect(scoreCvssVector('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U')).toMatchObject({
      baseScore: 9.8,
    });
  });

  it('gives both the whole-vector and the CVSS-B score of a 4.0 vector with threat metrics', () => {
    expect(
      scoreCvssVector('4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U'),
    ).toEqual({ ok: true, baseScore: 8.1, baseMetricsOnlyScore: 9.3 });
  });

  it.each([
    ['3.1', 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'does not start with CVSS:3.1/'],
    ['2.0', 'CVSS:2.0/AV:N/AC:L/Au:N/C:C/I:C/A:C', 'carries a version prefix'],
    ['3.1', 'CVSS:3.1/AV:N/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 'AV appears twice'],
    ['3.1', 'CVSS:3.1/AV:X/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 'does not define every base metric'],
    ['3.1', 'CVSS:3.1/AV:N/AC:L', 'does not define every base metric'],
    ['4.0', 'CVSS:4.0/AV:N/AC:L', 'does not define every base metric'],
    ['2.0', 'AV:N/AC:L/Au:N/C:C/I:C', 'does not define every base metric'],
    ['3.1', 'CVSS:3.1/AV:Q/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 'Unknown component value Q'],
    ['3.1', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/FOO:1', 'malformed metric "FOO:1"'],
    ['3.1', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/FOO:B', 'Unknown component FOO'],
    ['3.1', 'CVSS:3.1/', 'malformed metric ""'],
    ['3.1', 'garbage', 'does not start with CVSS:3.1/'],
  ] as const)('rejects CVSS %s vector %s', (version, vector, reason) => {
    const result = scoreCvssVector(version, vector);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });
});

describe('cvssSeverity', () => {
  it.each([
    ['3.1', 0, 'none'],
    ['3.1', 0.1, 'low'],
    ['3.1', 3.9, 'low'],
    ['3.1', 4, 'medium'],
    ['3.1', 6.9, 'medium'],
    ['3.1', 7, 'high'],
    ['3.1', 8.9, 'high'],
    ['4.0', 9, 'critical'],
    ['2.0', 10, 'high'],
    ['2.0', 3.9, 'low'],
    ['2.0', 4, 'medium'],
  ] as const)('CVSS %s score %d is %s', (version, score, severity) => {
    expect(cvssSeverity(version, score)).toBe(severity);
  });
});

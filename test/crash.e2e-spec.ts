/**
 * Durability under faults (RELIABILITY.md R2, R3, R6): the Jepsen-style set test of test/crash/crash-harness.ts
 * against the built service in a child process. Embedded PGlite always; with DATABASE_URL also a fresh database on
 * that server, and a PostgreSQL crash (`pg_ctl stop -m immediate`, then start) on a scratch cluster.
 * The negative control (`--broken-ack`) is run by hand: see test/crash/README.md.
 */
import {
  ensureBuilt,
  runCrashTest,
  ScratchCluster,
  setViolations,
  summarize,
  type CrashReport,
} from './crash/crash-harness.js';

const log = (msg: string) => console.log(`[crash] ${msg}`);

function expectSetHolds(r: CrashReport): void {
  log(summarize(r));
  expect(setViolations(r)).toEqual([]);
  // The fault must have happened mid-stream, or the test proves nothing.
  expect(r.failedRequests).toBeGreaterThan(0);
  expect(r.acked).toBe(r.sent);
}

const withPostgres = process.env.DATABASE_URL ? describe : describe.skip;

describe('crash: acknowledged events survive faults (e2e)', () => {
  beforeAll(() => ensureBuilt(log), 120_000);

  it('embedded PGlite: SIGKILL mid-stream, restart on the same data dir, resend the unanswered lines', async () => {
    expectSetHolds(await runCrashTest({ scenario: 'kill-app', database: 'embedded', log }));
  }, 90_000);

  withPostgres('on PostgreSQL', () => {
    it('SIGKILL mid-stream, restart on the same database, resend the unanswered lines', async () => {
      expectSetHolds(await runCrashTest({ scenario: 'kill-app', database: 'postgres', log }));
    }, 60_000);

    it('PostgreSQL stopped with -m immediate mid-stream: /health 503 while down, recovery without a restart', async () => {
      const why = ScratchCluster.unavailable();
      if (why) {
        console.log(`[crash] skipped the PostgreSQL crash scenario: ${why}`);
        return;
      }
      const r = await runCrashTest({ scenario: 'restart-db', database: 'postgres', log });
      expectSetHolds(r);
      expect(r.outage!.samples).toBeGreaterThan(0);
      expect(r.outage!.statuses).toEqual([503]);
      expect(r.outage!.maxLatencyMs).toBeLessThan(2500);
      expect(r.outage!.serviceStayedUp).toBe(true);
      expect(r.recoveryMs).toBeLessThan(10_000);
    }, 60_000);
  });
});

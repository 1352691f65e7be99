/**
 * WORKER_ENABLED=false is an API replica: it accepts pack requests and leaves them queued for the workers, and runs
 * no cron clock or queue maintenance of its own (the workers do; a replica's CPU is for requests). The monthly
 * schedules it writes are still recorded, for the workers' clock to fire.
 */
import { DataSource } from 'typeorm';
import { JobsService } from '../src/evidence/jobs.service.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

describe('an enqueue-only replica (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ WORKER_ENABLED: 'false' });
  });
  afterAll(() => t.close());

  it('queues packs without rendering them, and records schedules without running a clock', async () => {
    const tenant = await t.tenant('Replica MSP');
    const c = await t.gql(
      tenant.token,
      `mutation { createClient(input: {name: "Queued Clinic", frameworks: [hipaa], timeZone: "UTC"}) { id } }`,
    );
    const r = await t.gql(
      tenant.token,
      `mutation($c: ID!) { generateEvidencePack(input: {clientId: $c, period: {month: "2026-10"}}) { id status } }`,
      { c: c.data.createClient.id },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.generateEvidencePack.status).toBe('queued');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const p = await t.gql(tenant.token, `query($id: ID!) { evidencePack(id: $id) { status } }`, {
      id: r.data.generateEvidencePack.id,
    });
    expect(p.data.evidencePack.status).toBe('queued');

    await t.app.get(JobsService).scheduleMonthlyReports();
    const ds = t.app.get(DataSource);
    const schedules: { key: string }[] = await ds.query(`SELECT key FROM pgboss.schedule WHERE key = $1`, [
      tenant.id,
    ]);
    expect(schedules).toHaveLength(1);
    // No clock: pg-boss's timekeeper would have stamped its cron time within a few seconds of starting.
    const [clock] = await ds.query(`SELECT cron_on FROM pgboss.version`);
    expect(clock.cron_on).toBeNull();
  });
});

/**
 * One id per test run. With DATABASE_URL, every e2e test file creates its own database named after this run
 * (test/helpers/test-db.ts) and global teardown drops them, so runs never see each other.
 */
export default async function globalSetup(): Promise<void> {
  process.env.PATCHPROOF_TEST_RUN ??= `${Date.now().toString(36)}${process.pid.toString(36)}`;
}

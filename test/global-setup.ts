/** Placeholder replaced by the database setup (issue 2 foundation). Unit tests need nothing here. */
export default async function globalSetup(): Promise<void> {}

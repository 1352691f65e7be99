import 'reflect-metadata';
import { ConfigError, loadConfig } from './config.js';
import { createApp } from './app.factory.js';
import { createLogger } from './logger.js';
import { TenancyService } from './tenancy/tenancy.service.js';
import { DATABASE } from './database/database.module.js';
import type { Database } from './database/data-source.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);
  await app.listen(config.port, config.host);
  const db = app.get<Database>(DATABASE);
  logger.info({ url: await app.getUrl(), embedded: db.embedded }, 'Patchproof listening');

  // First start of an empty embedded database: create a tenant and print its admin key once.
  const tenancy = app.get(TenancyService);
  if (db.embedded && (await tenancy.tenantCount()) === 0) {
    const { tenant, token } = await tenancy.bootstrap('My MSP');
    process.stdout.write(
      `\nFirst start on an empty embedded database: created tenant "${tenant.name}" (${tenant.id}).\n` +
        `Admin API key (shown once, store it now):\n\n  ${token}\n\n` +
        `Try: curl -s ${config.publicBaseUrl}/graphql -H 'content-type: application/json' ` +
        `-H 'authorization: Bearer ${token}' -d '{"query":"{ tenant { id name } }"}'\n\n`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

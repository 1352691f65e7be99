import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ApiModule } from './api/api.module.js';
import { APP_CONFIG, type AppConfig } from './config.js';
import { DatabaseModule } from './database/database.module.js';
import { LOGGER } from './logger.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [DatabaseModule, ApiModule.forRoot(config, logger)],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
      ],
      exports: [APP_CONFIG, LOGGER],
    };
  }
}

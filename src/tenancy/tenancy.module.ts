import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard.js';
import { RateLimiter } from './rate-limiter.js';
import { TenancyService } from './tenancy.service.js';

@Module({
  providers: [TenancyService, RateLimiter, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TenancyService],
})
export class TenancyModule {}

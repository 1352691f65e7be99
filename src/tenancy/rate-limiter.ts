/**
 * Per-API-key token bucket, per process. Excess requests get RATE_LIMITED (HTTP 429 with Retry-After) and other
 * keys are unaffected. With several replicas each one limits on its own: the effective limit is per replica.
 */
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { DomainError } from '../errors.js';

interface Bucket {
  tokens: number;
  at: number;
}

@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMinute: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.perMinute = config.rateLimitPerMinute;
  }

  take(key: string, now = Date.now()): void {
    if (this.perMinute <= 0) return;
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const retryAfter = Math.ceil(((1 - b.tokens) * 60) / this.perMinute);
      throw new DomainError('RATE_LIMITED', 'rate limit exceeded for this API key', { retryAfter });
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.buckets.clear();
  }
}

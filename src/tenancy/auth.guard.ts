/**
 * The one guard: every request (GraphQL or HTTP) is resolved to an Actor from `Authorization: Bearer <key>`, or
 * refused. Routes marked @Public() (health, metrics, share links, pack verification) skip it.
 */
import {
  createParamDecorator,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request } from 'express';
import { DomainError } from '../errors.js';
import type { Actor } from './actor.js';
import { TenancyService } from './tenancy.service.js';
import { RateLimiter } from './rate-limiter.js';

const PUBLIC = 'patchproof:public';
export const Public = () => SetMetadata(PUBLIC, true);

export type RequestWithActor = Request & { actor?: Actor; id?: unknown };

export function requestOf(ctx: ExecutionContext): RequestWithActor {
  if (ctx.getType<string>() === 'graphql')
    return GqlExecutionContext.create(ctx).getContext<{ req: RequestWithActor }>().req;
  return ctx.switchToHttp().getRequest<RequestWithActor>();
}

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = requestOf(ctx).actor;
  if (!actor) throw new DomainError('UNAUTHENTICATED', 'authentication required');
  return actor;
});

export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  return null;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tenancy: TenancyService,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC, [ctx.getHandler(), ctx.getClass()]);
    if (isPublic) return true;
    const req = requestOf(ctx);
    if (req.actor) return true;
    const token = bearerToken(req);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'missing API key (Authorization: Bearer <key>)');
    const actor = await this.tenancy.authenticate(token, new Date());
    this.limiter.take(actor.keyId);
    req.actor = actor;
    return true;
  }
}

import { applyDecorators, UseGuards, type CanActivate, type Type } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { BearerAuthGuard, Scopes } from '@portcullis/nest-resource-server';
import { LiveTokenGuard } from './live-token.guard.js';

/**
 * A route (or controller) of Portcullis's own API: a bearer token that verifies, is live (not
 * revoked; its client, and its user, still enabled), carries `scope` when one is named, and
 * then passes `guards`, in that order. One decorator, so that no route can forget revocation.
 */
export function RequiresLiveToken(
  scope?: string,
  ...guards: Type<CanActivate>[]
): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiBearerAuth(),
    UseGuards(BearerAuthGuard, LiveTokenGuard, ...guards),
    ...(scope === undefined ? [] : [Scopes(scope)]),
  );
}

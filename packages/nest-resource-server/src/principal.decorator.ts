import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Principal as PrincipalType } from './principal.js';

/** The verified principal of the request, as set by BearerAuthGuard. */
export const Principal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): PrincipalType | undefined =>
    context.switchToHttp().getRequest<{ user?: PrincipalType }>().user,
);

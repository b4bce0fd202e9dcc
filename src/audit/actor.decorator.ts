import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Actor } from './audit.service.js';

/** Who is calling: the client of the bearer token (if any) and the remote address. */
export const CurrentActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Actor => {
    const request = context
      .switchToHttp()
      .getRequest<{ ip?: string; user?: { clientId?: string } }>();
    return { ip: request.ip, clientId: request.user?.clientId };
  },
);

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CsrfService } from './csrf.service.js';

/** Refuses a form POST whose `csrf_token` does not match the browser's CSRF cookie (403 page). */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly csrf: CsrfService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    this.csrf.verify(request, (request.body as Record<string, unknown> | undefined)?.csrf_token);
    return true;
  }
}

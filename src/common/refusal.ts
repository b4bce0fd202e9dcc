import type { FastifyReply } from 'fastify';

const refusals = new WeakMap<FastifyReply, string>();

/** Remembers the RFC error code an answer carries, for the metrics hook to count by code. */
export function noteRefusal(reply: FastifyReply, error: string): void {
  refusals.set(reply, error);
}

/** The error code `noteRefusal` gave this answer, if it is a refusal. */
export function refusalOf(reply: FastifyReply): string | undefined {
  return refusals.get(reply);
}

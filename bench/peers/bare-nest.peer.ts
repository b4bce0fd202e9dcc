/**
 * The ceiling row of the benchmark: the plainest NestJS-on-Fastify app, one JSON route, no
 * database, no pipes, guards or interceptors. Whatever Portcullis does per request costs on top.
 *
 *   PORT=4003 node dist/bench/peers/bare-nest.peer.js    →   GET /ping  {"ok":true}
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

const PORT = Number(process.env.PORT ?? 4003);

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

@Module({ controllers: [PingController] })
class BareModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(PORT, '127.0.0.1');
  console.log(`bare Nest peer ready on http://127.0.0.1:${PORT}`);
  process.once('SIGTERM', () => {
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

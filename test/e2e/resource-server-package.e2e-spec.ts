import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import type { Credentials } from '../support/http-client.js';
import { HttpClient } from '../support/http-client.js';
import { adminAuth, basic, registerClient, token, type Registered } from '../support/flows.js';
import { activeSigningKey } from '../support/server-keys.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);
const PACKAGE = '@portcullis/nest-resource-server';
const PACKAGE_DIR = path.resolve('packages/nest-resource-server');

/**
 * A Nest app as `nest new` compiles it: CommonJS, plain require, decorators applied the way
 * tsc emits them. It knows the guard only as an installed dependency.
 */
const SCRATCH_MAIN = `'use strict';
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { APP_GUARD, NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const {
  BearerAuthGuard,
  Principal,
  Public,
  ResourceServerModule,
  Scopes,
} = require('${PACKAGE}');

class NotesController {
  hello() {
    return { ok: true, guard: require.resolve('${PACKAGE}') };
  }
  list(principal) {
    return { items: [], clientId: principal.clientId };
  }
}
const method = (name) => Object.getOwnPropertyDescriptor(NotesController.prototype, name);
Reflect.decorate([Public(), Get('public')], NotesController.prototype, 'hello', method('hello'));
Reflect.decorate(
  [Scopes('notes:read'), Get('notes'), (target, key) => Principal()(target, key, 0)],
  NotesController.prototype,
  'list',
  method('list'),
);
Reflect.decorate([Controller()], NotesController);

class AppModule {}
Reflect.decorate(
  [
    Module({
      imports: [
        ResourceServerModule.forRoot({
          issuer: process.env.ISSUER,
          audience: process.env.AUDIENCE,
        }),
      ],
      controllers: [NotesController],
      providers: [{ provide: APP_GUARD, useClass: BearerAuthGuard }],
    }),
  ],
  AppModule,
);

NestFactory.create(AppModule, new FastifyAdapter(), { logger: ['error', 'warn'] })
  .then((app) => app.listen(Number(process.env.PORT), '127.0.0.1'))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
`;

/** The versions the workspace locks, so that npm's cache has every one of them. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

describe('the guard package, packed and installed into a CommonJS Nest app outside the workspace', () => {
  let t: TestApp;
  let admin: Credentials;
  let reader: Registered;
  let scratchDir: string;
  let files: string[];
  let scratch: ServerProcess;
  let ownAudience: ServerProcess;
  let api: HttpClient;

  beforeAll(async () => {
    if (!existsSync(path.join(PACKAGE_DIR, 'dist/cjs/index.js')))
      throw new Error(`${PACKAGE} is not built: run npm run build`);
    scratchDir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-scratch-nest-'));
    const [app, packed] = await Promise.all([
      startTestApp(),
      run('npm', ['pack', '--workspace', PACKAGE, '--pack-destination', scratchDir, '--json'], {
        maxBuffer: 16 * 1024 * 1024,
      }),
    ]);
    t = app;
    const [tarball] = JSON.parse(packed.stdout) as {
      filename: string;
      files: { path: string }[];
    }[];
    files = tarball.files.map((file) => file.path);
    // Its own package.json and node_modules, its own Nest: nothing resolves to the workspace.
    const dependencies = Object.fromEntries(
      [
        '@nestjs/common',
        '@nestjs/core',
        '@nestjs/platform-fastify',
        'reflect-metadata',
        'rxjs',
      ].map((name) => [name, lockedVersion(name)]),
    );
    await writeFile(
      path.join(scratchDir, 'package.json'),
      JSON.stringify({
        name: 'scratch-nest-app',
        private: true,
        type: 'commonjs',
        dependencies: { ...dependencies, [PACKAGE]: `file:./${tarball.filename}` },
      }),
    );
    await writeFile(path.join(scratchDir, 'main.js'), SCRATCH_MAIN);
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      {
        cwd: scratchDir,
        maxBuffer: 16 * 1024 * 1024,
      },
    );

    admin = await adminAuth(t);
    reader = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'notes:read',
    });
    const main = path.join(scratchDir, 'main.js');
    [scratch, ownAudience] = await Promise.all([
      // Portcullis's access tokens carry aud = the issuer.
      startServer({ ISSUER: t.baseUrl, AUDIENCE: t.baseUrl }, { main, healthPath: '/public' }),
      startServer(
        { ISSUER: t.baseUrl, AUDIENCE: 'https://notes.example.com' },
        { main, healthPath: '/public' },
      ),
    ]);
    api = new HttpClient(scratch.baseUrl);
  }, 120_000);
  afterAll(async () => {
    await scratch?.stop();
    await ownAudience?.stop();
    await t?.close();
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
  });

  it('packs compiled JavaScript and declarations, ESM and CommonJS, and no source', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'CHANGELOG.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cjs/index.js',
        'dist/cjs/index.d.ts',
        'dist/cjs/package.json',
      ]),
    );
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs from the installed tarball, its CommonJS build', async () => {
    const res = await api.get<{ guard: string }>('/public');
    expect(res.status).toBe(200);
    expect(res.body.guard).toBe(
      path.join(scratchDir, 'node_modules', PACKAGE, 'dist', 'cjs', 'index.js'),
    );
  });

  it('accepts a Portcullis access token for its audience: 200', async () => {
    const access = (await token(t, { grant_type: 'client_credentials' }, basic(reader))).body
      .access_token!;
    const res = await api.get('/notes', { bearer: access });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], clientId: reader.client_id });
  });

  it('answers 401 with the Bearer challenge without a token', async () => {
    const res = await api.get('/notes');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="portcullis", error="invalid_token"/,
    );
    expect(res.body.error).toBe('invalid_token');
  });

  it('refuses a token for another audience with 401 invalid_token', async () => {
    const { kid, alg, privateKey } = await activeSigningKey(t);
    const now = Math.floor(Date.now() / 1000);
    const elsewhere = await new SignJWT({
      iss: t.baseUrl,
      aud: 'https://elsewhere.example.com',
      sub: reader.client_id,
      client_id: reader.client_id,
      scope: 'notes:read',
      jti: `elsewhere-${now}`,
      iat: now,
      exp: now + 60,
    })
      .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
      .sign(privateKey);
    const res = await api.get('/notes', { bearer: elsewhere });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'invalid_token',
      error_description: 'the access token is not meant for this audience',
    });

    // A service that declares an audience of its own refuses Portcullis's issuer-wide tokens.
    const access = (await token(t, { grant_type: 'client_credentials' }, basic(reader))).body
      .access_token!;
    const refused = await new HttpClient(ownAudience.baseUrl).get('/notes', { bearer: access });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});

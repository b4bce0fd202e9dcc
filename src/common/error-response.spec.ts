import { BadRequestException, HttpException, PayloadTooLargeException } from '@nestjs/common';
import { BearerError } from '@portcullis/nest-resource-server';
import { asOAuthError, toErrorResponse } from './error-response.js';
import { OAuthError } from './oauth-error.js';

describe('asOAuthError', () => {
  it('keeps an OAuthError as it is', () => {
    const error = new OAuthError('invalid_grant', 'the code was used', { title: 'Used' });
    expect(asOAuthError(error)).toBe(error);
  });

  it('turns the guard library’s BearerError into the same answer with its challenge', () => {
    const error = asOAuthError(new BearerError('insufficient_scope', 'needs a:b', 403, 'a:b'));
    expect(error).toMatchObject({ error: 'insufficient_scope', status: 403 });
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="portcullis", error="insufficient_scope", error_description="needs a:b", scope="a:b"',
    );
    // 503 has no challenge (RFC 6750 knows no such error).
    expect(asOAuthError(new BearerError('temporarily_unavailable', 'later', 503)).headers).toEqual(
      {},
    );
  });

  it('answers a refused bearer token of our own APIs exactly as the guard library does', () => {
    const ours = OAuthError.bearer('invalid_token', 'the access token has been revoked');
    const library = asOAuthError(
      new BearerError('invalid_token', 'the access token has been revoked', 401),
    );
    expect(toErrorResponse(ours)).toEqual(toErrorResponse(library));
  });

  it('reads framework errors: validation messages joined, codes by status', () => {
    expect(toErrorResponse(new BadRequestException(['a is bad', 'b is bad']))).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'a is bad; b is bad' },
      headers: {},
    });
    expect(toErrorResponse(new PayloadTooLargeException()).status).toBe(413);
    expect(
      toErrorResponse(new HttpException({ error: 'x_y', error_description: 'why' }, 409)).body,
    ).toEqual({ error: 'x_y', error_description: 'why' });
  });

  it('reads Fastify’s own 4xx errors by their statusCode', () => {
    const error = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 });
    expect(toErrorResponse(error)).toMatchObject({
      status: 415,
      body: { error_description: 'Unsupported Media Type' },
    });
  });

  it('blames the input for text PostgreSQL cannot store, not the server', () => {
    const error = Object.assign(new Error('invalid byte sequence'), { code: '22021' });
    expect(toErrorResponse(error)).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
  });

  it('answers 503 with Retry-After when the database cannot be reached', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toErrorResponse(error)).toEqual({
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: 'the database is unavailable, try again shortly',
      },
      headers: { 'Retry-After': '1' },
    });
  });

  it('says nothing of anything else: no message, no stack', () => {
    const answer = toErrorResponse(new Error('SELECT secret FROM keys failed at line 3'));
    expect(answer).toEqual({
      status: 500,
      body: { error: 'server_error', error_description: 'an unexpected error occurred' },
      headers: {},
    });
  });

  it('puts extra members in the body without letting them replace error or description', () => {
    const error = new OAuthError('invalid_grant', 'upstream refused', {
      extra: { upstream_error: 'x', error: 'forged' },
    });
    expect(toErrorResponse(error).body).toEqual({
      upstream_error: 'x',
      error: 'invalid_grant',
      error_description: 'upstream refused',
    });
  });
});

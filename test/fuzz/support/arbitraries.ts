import fc from 'fast-check';

/** Input that has broken servers before: injection, templates, markup, encodings, edge numbers. */
export const METACHARACTERS = [
  "' OR 1=1--",
  '" OR ""="',
  "'; DROP TABLE clients;--",
  '${7*7}',
  '{{7*7}}',
  '#{7*7}',
  '<%= 7*7 %>',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '%ff',
  '%',
  '%%',
  '%zz',
  '%00',
  '%C0%80',
  '%E2%80%AE',
  '\u0000',
  'a\u0000b',
  '\r\nX-Injected: 1',
  '\ud800',
  '\uffff',
  '\u202e',
  'é',
  '💥',
  '../../../etc/passwd',
  '..%2F..%2F',
  '\\',
  '+',
  '&',
  '=',
  '#',
  '?',
  ';',
  ' ',
  '',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  '0',
  '-1',
  '1e309',
  'NaN',
  '9999999999999999999999',
  'http://127.0.0.1:1/',
  'javascript:alert(1)',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
];

/** A value worth sending where a string is expected. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...METACHARACTERS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('a', '%', '€', '\u0000', '\ud83d'),
        fc.integer({ min: 256, max: 9000 }),
      )
      .map(([unit, count]) => unit.repeat(count)),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom(...METACHARACTERS), { minLength: 2, maxLength: 5 })
      .map((parts) => parts.join('')),
  },
);

/** Either one of the given meaningful values (so requests get past the first check) or junk. */
export function valueFrom(known: readonly string[]): fc.Arbitrary<string> {
  return known.length === 0
    ? nastyString
    : fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...known) },
        { weight: 2, arbitrary: nastyString },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.constantFrom(...known), nastyString)
            .map(([value, junk]) => value + junk),
        },
      );
}

/** Name/value pairs, names possibly repeated (RFC 6749 §3.1 says they must not be). */
export type Params = [string, string][];

export function paramsOf(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<Params> {
  const names = Object.keys(fields);
  return fc
    .tuple(
      fc.subarray(names),
      fc.subarray(names, { maxLength: 2 }),
      fc.array(fc.tuple(nastyString, nastyString), { maxLength: 2 }),
    )
    .chain(([present, repeated, strangers]) =>
      fc
        .tuple(
          ...present.map((name) => fields[name].map((value): [string, string] => [name, value])),
          ...repeated.map((name) => fields[name].map((value): [string, string] => [name, value])),
        )
        .map((pairs) => [...pairs, ...strangers]),
    );
}

/** How a set of parameters is put on the wire, well-formed or not. */
export type BodyEncoding =
  | 'form'
  | 'form-raw'
  | 'json'
  | 'json-broken'
  | 'text'
  | 'multipart'
  | 'no-content-type'
  | 'octet-stream';

export const bodyEncoding: fc.Arbitrary<BodyEncoding> = fc.constantFrom(
  'form',
  'form',
  'form-raw',
  'json',
  'json-broken',
  'text',
  'multipart',
  'no-content-type',
  'octet-stream',
);

/** Content-type spellings for form bodies: charsets, case, stray parameters. */
export const FORM_CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=ISO-8859-1',
  'application/x-www-form-urlencoded; charset=utf-16',
  'application/x-www-form-urlencoded; charset="utf-8"',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/x-www-form-urlencoded;',
  'application/x-www-form-urlencoded ; foo=bar',
  'application/x-www-form-urlencodedx',
];

export const JSON_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'Application/JSON',
  'application/vnd.api+json',
  'application/json-patch+json',
];

/** Percent-encodes as forms do, or not at all so `%ff` and a lone `%` stay raw. */
function formString(params: Params, raw: boolean): string {
  if (!raw) return new URLSearchParams(params).toString();
  return params.map(([name, value]) => `${name}=${value}`).join('&');
}

function jsonObject(params: Params): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [name, value] of params) {
    const seen = object[name];
    object[name] =
      seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return object;
}

/** The content type and bytes of `params` encoded one way. */
export function encodeBody(
  params: Params,
  encoding: BodyEncoding,
  contentTypeChoice: number,
): { contentType?: string; body: Buffer } {
  const pick = (list: string[]) => list[contentTypeChoice % list.length];
  switch (encoding) {
    case 'form':
      return {
        contentType: pick(FORM_CONTENT_TYPES),
        body: Buffer.from(formString(params, false)),
      };
    case 'form-raw':
      // latin1: a character above 0x7f becomes one byte, which is not UTF-8.
      return {
        contentType: pick(FORM_CONTENT_TYPES),
        body: Buffer.from(formString(params, true), contentTypeChoice % 2 ? 'latin1' : 'utf8'),
      };
    case 'json':
      // Now and then in latin1: a character above 0x7f becomes one byte, invalid UTF-8.
      return {
        contentType: pick(JSON_CONTENT_TYPES),
        body: Buffer.from(
          JSON.stringify(jsonObject(params)),
          contentTypeChoice % 4 === 3 ? 'latin1' : 'utf8',
        ),
      };
    case 'json-broken':
      return {
        contentType: pick(JSON_CONTENT_TYPES),
        body: Buffer.from(
          JSON.stringify(jsonObject(params)).slice(0, -1 - (contentTypeChoice % 3)),
        ),
      };
    case 'text':
      return { contentType: 'text/plain', body: Buffer.from(formString(params, false)) };
    case 'multipart': {
      const boundary = 'fuzzboundary';
      const parts = params.map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      );
      return {
        contentType:
          contentTypeChoice % 3 === 0
            ? 'multipart/form-data'
            : `multipart/form-data; boundary=${boundary}`,
        body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`),
      };
    }
    case 'no-content-type':
      return { body: Buffer.from(formString(params, false)) };
    case 'octet-stream':
      return {
        contentType: 'application/octet-stream',
        body: Buffer.from(formString(params, true)),
      };
  }
}

/** A query string from `params`, percent-encoded properly or sent raw (path-safe bytes only). */
export function encodeQuery(params: Params, raw: boolean): string {
  if (params.length === 0) return '';
  if (!raw) return `?${new URLSearchParams(params).toString()}`;
  return `?${params.map(([name, value]) => `${pathSafe(name)}=${pathSafe(value)}`).join('&')}`;
}

/** What node:http lets into a request target: no spaces or controls, latin1 at most. */
export function pathSafe(value: string): string {
  let safe = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code > 0x20 && code <= 0xff && char !== '#') safe += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        safe += `%${byte.toString(16).padStart(2, '0')}`;
  }
  return safe;
}

/** What node:http lets into a header value: no CR, LF or other controls but tab. */
export function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
}

/** Authorization headers a client might send, mistaken or hostile, plus the ones that work. */
export function authorizationHeader(valid: readonly string[]): fc.Arbitrary<string | undefined> {
  const base64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');
  return fc.oneof(
    fc.constant(undefined),
    ...(valid.length ? [fc.constantFrom(...valid)] : []),
    fc.constantFrom(
      'Basic',
      'Basic ',
      'Basic !!!not-base64!!!',
      'Basic ====',
      'Basic a',
      `Basic ${base64('no-colon-here')}`,
      `Basic ${base64(':secret-without-id')}`,
      `Basic ${base64('id:')}`,
      `Basic ${base64('%zz:%ff')}`,
      `Basic ${base64('\u00ff\u00fe:\u0000')}`,
      `Basic ${base64('a'.repeat(300))}`,
      'Bearer',
      'Bearer ',
      'Bearer garbage',
      'Bearer a.b.c',
      'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'Bearer \u00ff\u00fe',
      'Bearer  two  spaces',
      'Digest username="x"',
      'Negotiate YII=',
      'basic dGVzdDp0ZXN0',
      'BEARER x',
    ),
    fc
      .tuple(fc.constantFrom('Basic ', 'Bearer ', ''), fc.uint8Array({ maxLength: 64 }))
      .map(([scheme, bytes]) => `${scheme}${Buffer.from(bytes).toString('base64')}`),
    fc
      .tuple(fc.constantFrom('Basic ', 'Bearer '), nastyString)
      .map(([scheme, junk]) => headerSafe(`${scheme}${junk}`)),
    ...(valid.length
      ? [
          fc
            .tuple(fc.constantFrom(...valid), nastyString)
            .map(([header, junk]) => headerSafe(header + junk)),
        ]
      : []),
  );
}

/** Extra headers that odd clients send: repeats, junk, a header section past Node's limit. */
export const strangeHeaders: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<[string, string][]>([]) },
  {
    weight: 2,
    arbitrary: fc.array(
      fc.tuple(
        fc.constantFrom(
          'x-fuzz',
          'x-request-id',
          'origin',
          'x-user-id',
          'accept',
          'cookie',
          'dpop',
        ),
        nastyString.map(headerSafe),
      ),
      { maxLength: 3 },
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 17 * 1024, max: 40 * 1024 })
      .map((size): [string, string][] => [['x-oversized', 'h'.repeat(size)]]),
  },
);

/** Methods, including ones no route takes and lowercase spellings. */
export const oddMethod = fc.constantFrom(
  'GET',
  'HEAD',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'SEARCH',
  'PURGE',
);

/** JSON values up to a small depth, with the strings above inside. */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A JSON text nested `depth` levels deep (arrays, objects, or both). */
export function deeplyNested(depth: number, shape: 'array' | 'object' | 'mixed'): string {
  let open = '';
  let close = '';
  for (let level = 0; level < depth; level++) {
    const array = shape === 'array' || (shape === 'mixed' && level % 2 === 0);
    open += array ? '[' : '{"a":';
    close = (array ? ']' : '}') + close;
  }
  return `${open}1${close}`;
}

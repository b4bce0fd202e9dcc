import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { OAuthError } from './oauth-error.js';
import { UUID } from './uuid.js';

/** One column of a list's order, unique together with the others (the last is a key). */
export interface KeyColumn {
  /** The column's name in the table. */
  column: string;
  /** Its type, for the cursor's value to be compared as one. */
  cast: 'timestamptz' | 'uuid' | 'text' | 'bigint';
  /** What a value of it looks like as text, so a forged cursor is a 400, not a database error. */
  pattern: RegExp;
}

export const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
export const UUID_KEY = UUID;
export const BIGINT_KEY = /^\d{1,18}$/;
export const TEXT_KEY = /^[\s\S]{1,256}$/;

export interface PageRequest {
  limit: number;
  offset: number;
  /** The cursor of the last row seen (`next` of the page before): rows after it. */
  after?: string;
}

export interface KeysetResult<T> {
  items: T[];
  /** The cursor for the rows after this page; null on the last one. */
  next: string | null;
}

function encode(values: string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decode(cursor: string, keys: KeyColumn[]): string[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  const fits =
    Array.isArray(values) &&
    values.length === keys.length &&
    values.every((value, i) => typeof value === 'string' && keys[i].pattern.test(value));
  if (!fits) throw OAuthError.invalidRequest('after is not a cursor this list answered');
  return values as string[];
}

/**
 * One page of `query` in the order of `keys` (all ascending or all descending), from `offset`
 * or from after a cursor. The cursor holds the last row's key values, with the timestamps'
 * microseconds, and the next page starts by a row comparison the keys' index answers: its cost
 * does not grow with how deep the page is, and rows inserted meanwhile shift nothing.
 */
export async function keysetPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  keys: KeyColumn[],
  direction: 'ASC' | 'DESC',
  page: PageRequest,
): Promise<KeysetResult<T>> {
  if (page.after !== undefined && page.offset !== 0)
    throw OAuthError.invalidRequest('after and offset cannot be used together');
  const alias = query.alias;
  const columns = keys.map((key) => `"${alias}"."${key.column}"`);
  if (page.after !== undefined) {
    const values = decode(page.after, keys);
    const bounds = keys.map((key, i) => `CAST(:keyset_${i} AS ${key.cast})`);
    query.andWhere(
      `(${columns.join(', ')}) ${direction === 'ASC' ? '>' : '<'} (${bounds.join(', ')})`,
      Object.fromEntries(values.map((value, i) => [`keyset_${i}`, value])),
    );
  }
  columns.forEach((column, i) => {
    query.addSelect(`${column}::text`, `keyset_${i}`);
    query.addOrderBy(column, direction);
  });
  // One row more than asked says whether there is a next page.
  const { entities, raw } = await query
    .offset(page.offset)
    .limit(page.limit + 1)
    .getRawAndEntities<Record<string, string>>();
  if (entities.length <= page.limit) return { items: entities, next: null };
  const last = raw[page.limit - 1];
  return {
    items: entities.slice(0, page.limit),
    next: encode(keys.map((_, i) => last[`keyset_${i}`])),
  };
}

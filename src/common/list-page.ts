import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { keysetPage, type KeyColumn, type PageRequest } from './keyset-page.js';
import type { Page } from './pagination.query.js';

/**
 * A list endpoint's page of `query`: from a cursor when `after` is given (without a total),
 * else from the offset with the total of rows, as before; both with `next`.
 */
export async function listPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  keys: KeyColumn[],
  direction: 'ASC' | 'DESC',
  request: PageRequest,
): Promise<Page<T>> {
  if (request.after !== undefined) {
    const page = await keysetPage(query, keys, direction, request);
    return { ...page, limit: request.limit };
  }
  const [page, total] = await Promise.all([
    keysetPage(query.clone(), keys, direction, request),
    query.getCount(),
  ]);
  return { ...page, total, limit: request.limit, offset: request.offset };
}

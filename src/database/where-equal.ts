/**
 * `a = $1 AND b = $2` for the columns whose value is given, with the values pushed onto
 * `params` (which may hold earlier parameters). Column names come from code, never from input.
 */
export function whereEqual(columns: Record<string, string | undefined>, params: unknown[]): string {
  return Object.entries(columns)
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => `${column} = $${params.push(value)}`)
    .join(' AND ');
}

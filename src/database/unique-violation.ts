import { QueryFailedError } from 'typeorm';

/** Whether PostgreSQL refused a write for a unique constraint (SQLSTATE 23505): a conflict. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505'
  );
}

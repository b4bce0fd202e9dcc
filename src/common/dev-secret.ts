import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomToken } from './secrets.js';

/**
 * The configured secret, or in development one generated once and kept in DATA_DIR/<file>
 * (production refuses to boot without the variable; see the environment schema).
 */
export async function configuredOrDevSecret(
  configured: string | undefined,
  dataDir: string,
  file: string,
): Promise<string> {
  if (configured) return configured;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const location = path.join(dataDir, file);
  const existing = await readFile(location, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const secret = randomToken(32);
  try {
    await writeFile(location, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    // Another process wrote it first; use theirs.
    return (await readFile(location, 'utf8')).trim();
  }
}

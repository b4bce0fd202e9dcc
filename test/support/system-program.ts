import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The path of a system program (Debian's packages install daemons in /usr/sbin, often not on
 * a user's PATH), or undefined when it is not installed.
 */
export function systemProgram(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin']) {
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  try {
    return (
      execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

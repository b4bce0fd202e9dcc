import { rm } from 'node:fs/promises';

export default async function globalTeardown() {
  const embedded = globalThis.testDatabase;
  if (!embedded) return;
  await embedded.database.stop();
  await rm(embedded.dataDir, { recursive: true, force: true });
}

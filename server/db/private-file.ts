/**
 * SQLite files hold emails, IP addresses and (in development) the sign-in outbox: they are
 * created 0600 in a folder created 0700, whatever the umask, and an existing database and its
 * WAL/SHM are narrowed to 0600 at open. SQLite gives its -wal and -shm files the permissions
 * of the database file, so creating that one 0600 covers them. Used by the server and the BFF.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export function preparePrivateDatabaseFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  const dir = dirname(file);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // mkdir's mode is masked by the umask
  }
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(f)) chmodSync(f, 0o600);
  }
}

/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly) with its data on disk, served in-process over
 * the PostgreSQL wire protocol by pglite-socket so the ordinary `pg` driver, TypeORM and pg-boss talk to it as to a
 * server. One connection only: PGlite is a single session, and a larger pool interleaves the messages of different
 * connections (see STACK-NOTES.md). Concurrency is therefore serialised by the pool, which keeps transactions apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  // Dynamic imports: PGlite loads its WebAssembly lazily and only the embedded mode pays for it.
  const { PGlite: PGliteCtor } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer: Server } = await import('@electric-sql/pglite-socket');
  const db: PGlite = await PGliteCtor.create(dataDir);
  await db.waitReady;
  const server: PGLiteSocketServer = new Server({ db, port: 0, host: '127.0.0.1', maxConnections: 1 });
  await server.start();
  const conn = server.getServerConn();
  return {
    url: `postgres://postgres@${conn}/postgres`,
    dataDir,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

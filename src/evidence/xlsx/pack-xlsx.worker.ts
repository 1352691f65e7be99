/** Worker thread entry: see pack-xlsx-worker.ts. An error rejects `runPackXlsxWorker` through the 'error' event. */
import { parentPort, workerData } from 'node:worker_threads';
import { writePackXlsxOnOwnConnection, type PackXlsxJob } from './pack-xlsx-worker.js';

const result = await writePackXlsxOnOwnConnection(workerData as PackXlsxJob);
parentPort?.postMessage(result);

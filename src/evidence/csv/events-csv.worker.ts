/** Worker thread entry: see events-csv-worker.ts. An error rejects `runEventsCsvWorker` through the 'error' event. */
import { parentPort, workerData } from 'node:worker_threads';
import { copyEventsCsvOnOwnConnection, type EventsCsvJob } from './events-csv-worker.js';

const result = await copyEventsCsvOnOwnConnection(workerData as EventsCsvJob);
parentPort?.postMessage(result);

/**
 * Pack parts are made at the same time on one thread (see pack-assembler): a part that draws or writes thousands of
 * rows lets the event loop run now and then, so the streams of the others (events.csv.gz from the database) keep
 * moving. `for await` alone does not: it resumes on a microtask, before any I/O is handled.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rows written between two turns of the event loop (a few milliseconds of exceljs work). */
export const ROWS_PER_TURN = 500;

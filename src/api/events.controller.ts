/**
 * POST /v1/events: NDJSON, streamed. Lines are read as they arrive and ingested in batches of up to 1,000; each
 * batch's results are written back (one NDJSON line per input line) only after the batch committed. Memory stays
 * bounded by one batch and one line (NDJSON_MAX_LINE_BYTES), whatever the request size.
 */
import { Controller, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { DomainError, isDatabaseUnavailable } from '../errors.js';
import {
  IngestionService,
  MAX_BATCH,
  type EventResult,
  type IngestReceipt,
} from '../ingestion/ingestion.service.js';
import { requireRole, type Actor } from '../tenancy/actor.js';
import { CurrentActor } from '../tenancy/auth.guard.js';
import { parseJsonStrict } from './strict-json.js';

@Controller('v1')
export class EventsController {
  constructor(
    private readonly ingestion: IngestionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('events')
  async ingestNdjson(
    @CurrentActor() actor: Actor,
    @Query('clientId') clientId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    requireRole(actor, 'msp_admin', 'ingest');
    const { maxLines, maxLineBytes } = this.config.ndjson;
    let started = false;
    const totals = { accepted: 0, duplicates: 0, rejected: 0 };
    let last: IngestReceipt | null = null;
    let firstSeq: number | null = null;

    const writeText = (text: string) => {
      if (!started) {
        res.status(200).setHeader('Content-Type', 'application/x-ndjson');
        started = true;
      }
      res.write(text);
    };
    const write = (obj: unknown) => writeText(`${JSON.stringify(obj)}\n`);

    let batch: { line: number; value: unknown }[] = [];
    let pre: EventResult[] = [];
    const flush = async () => {
      const out = await this.ingestion.ingest(
        actor,
        batch.map((b) => b.value),
        { defaultClientId: clientId },
      );
      // Merge parse failures and ingest results back into line order.
      const rows = [
        ...pre.map((r) => ({ line: r.index, ...r })),
        ...out.results.map((r) => ({ ...r, line: batch[r.index].line })),
      ].sort((a, b) => a.line - b.line);
      // One write per batch, not per line.
      let text = '';
      for (const { index: _i, ...r } of rows) text += `${JSON.stringify(r)}\n`;
      writeText(text);
      totals.accepted += out.receipt.accepted;
      totals.duplicates += out.receipt.duplicates;
      totals.rejected += out.receipt.rejected + pre.length;
      firstSeq ??= out.receipt.firstSeq;
      last = out.receipt;
      batch = [];
      pre = [];
    };

    let lineNo = 0;
    try {
      for await (const line of readLines(req, maxLineBytes)) {
        lineNo++;
        if (lineNo > maxLines) {
          throw new DomainError('PAYLOAD_TOO_LARGE', `at most ${maxLines} lines per request`, {
            line: lineNo,
          });
        }
        if (line.text === null) {
          pre.push({
            index: lineNo,
            status: 'rejected',
            field: '(line)',
            reason: `longer than ${maxLineBytes} bytes`,
          });
        } else if (line.text.trim() === '') {
          lineNo--; // blank lines (a trailing newline) are not events
          continue;
        } else {
          const parsed = parseJsonStrict(line.text);
          if (parsed.ok) batch.push({ line: lineNo, value: parsed.value });
          else pre.push({ index: lineNo, status: 'rejected', field: '(line)', reason: parsed.reason });
        }
        if (batch.length >= MAX_BATCH || pre.length >= MAX_BATCH) await flush();
      }
      if (batch.length > 0 || pre.length > 0) await flush();
      const receipt: Partial<IngestReceipt> = last ?? {};
      write({ receipt: { ...receipt, ...totals, firstSeq, lines: lineNo } });
      res.end();
    } catch (err) {
      // Lines already answered were committed; the rest were not. Say where it stopped.
      const domain = err instanceof DomainError ? err : null;
      const unavailable = isDatabaseUnavailable(err);
      if (!started) {
        if (domain) throw domain;
        if (unavailable)
          throw new DomainError('UNAVAILABLE', 'database unavailable, retry later', { retryAfter: 2 });
        throw err;
      }
      write({
        error: {
          code: domain?.code ?? (unavailable ? 'UNAVAILABLE' : 'INTERNAL_SERVER_ERROR'),
          message:
            domain?.message ??
            (unavailable
              ? 'database unavailable, retry the lines not answered'
              : 'internal error; retry the lines not answered'),
          afterLine: lineNo,
        },
      });
      res.end();
    }
  }
}

/** Splits a byte stream into UTF-8 lines without holding more than one line; over-long lines yield `text: null`. */
export async function* readLines(
  stream: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
): AsyncGenerator<{ text: string | null }> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const emit = (): { text: string | null } => {
    const buf = Buffer.concat(parts);
    parts = [];
    size = 0;
    if (tooLong) {
      tooLong = false;
      return { text: null };
    }
    try {
      return { text: decoder.decode(buf.at(-1) === 0x0d ? buf.subarray(0, -1) : buf) };
    } catch {
      return { text: '\u0000invalid-utf8' };
    }
  };
  for await (const chunk of stream) {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) !== -1) {
      const piece = buf.subarray(0, nl);
      if (!tooLong) {
        if (size + piece.length > maxLineBytes) tooLong = true;
        else parts.push(piece);
      }
      yield emit();
      buf = buf.subarray(nl + 1);
    }
    if (!tooLong) {
      if (size + buf.length > maxLineBytes) {
        tooLong = true;
        parts = [];
      } else {
        parts.push(Buffer.from(buf));
        size += buf.length;
      }
    }
  }
  if (size > 0 || tooLong) yield emit();
}

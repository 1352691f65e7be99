/** Pack downloads (same authorization as GraphQL, streamed, recorded) and public pack verification. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '../errors.js';
import { EvidenceService } from '../evidence/evidence.service.js';
import type { Actor } from '../tenancy/actor.js';
import { CurrentActor, Public } from '../tenancy/auth.guard.js';

export const MAX_VERIFY_UPLOAD = 256 * 1024 * 1024;

@Controller('v1')
export class PacksController {
  constructor(private readonly evidence: EvidenceService) {}

  @Get('packs/:id/download')
  async download(@CurrentActor() actor: Actor, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const file = await this.evidence.openForDownload(actor, id);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('X-Archive-SHA256', file.sha256);
    await pipeline(fs.createReadStream(file.path), res);
  }

  /** Anyone may verify an archive: no account, no secret. The body is the zip itself (application/zip). */
  @Public()
  @Post('verify')
  async verify(@Req() req: Request, @Res() res: Response): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchproof-verify-'));
    const file = path.join(dir, 'upload.zip');
    try {
      await receiveUpload(req, file, MAX_VERIFY_UPLOAD);
      const result = await this.evidence.verifyArchive(file);
      res.status(200).json(result);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Streams a request body to a file, refusing it past `limit` bytes. */
export async function receiveUpload(req: Request, file: string, limit: number): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new DomainError('PAYLOAD_TOO_LARGE', `upload larger than ${limit} bytes`);
  let size = 0;
  const out = fs.createWriteStream(file);
  await pipeline(
    req,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > limit) throw new DomainError('PAYLOAD_TOO_LARGE', `upload larger than ${limit} bytes`);
        yield chunk;
      }
    },
    out,
  );
  if (size === 0)
    throw new DomainError('BAD_USER_INPUT', 'empty upload: send the pack archive as the request body', {
      field: 'body',
    });
}

/**
 * The key that signs packs: a PKCS#12 or PEM pair from configuration, or, on a fresh install without one, a
 * self-signed development key generated into `<DATA_DIR>/keys` with a loud warning. Old certificates stay in the
 * keyring so packs signed before a rotation still verify.
 */
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { LOGGER } from '../logger.js';
import type { Logger } from 'pino';
import type { TrustedCertificate } from './signing/cms.js';
import {
  developmentKeySource,
  ensureDevelopmentKey,
  loadKeyring,
  loadSigningKey,
  type SigningKey,
  type SigningKeySource,
} from './signing/signing-keys.js';
import path from 'node:path';

@Injectable()
export class SigningService {
  private key: Promise<SigningKey> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  signingKey(): Promise<SigningKey> {
    this.key ??= this.loadKey();
    return this.key;
  }

  private async loadKey(): Promise<SigningKey> {
    const s = this.config.signing;
    let source: SigningKeySource;
    if (s.p12Path) source = { kind: 'pkcs12', path: s.p12Path, passphrase: s.p12Passphrase ?? '' };
    else if (s.certPath && s.keyPath) source = { kind: 'pem', certPath: s.certPath, keyPath: s.keyPath };
    else {
      const paths = await ensureDevelopmentKey(this.config.dataDir, {
        warn: (message) => this.logger.warn(message),
      });
      if (paths.created) {
        this.logger.warn(
          { certificate: paths.certPath },
          'generated a self-signed DEVELOPMENT signing key: configure SIGNING_P12_PATH or SIGNING_CERT_PATH/SIGNING_KEY_PATH for production',
        );
      }
      source = await developmentKeySource(paths);
    }
    return loadSigningKey(source);
  }

  /** Certificates a pack may be signed with: the current key and every retired development certificate. */
  async trustedCertificates(): Promise<TrustedCertificate[]> {
    const key = await this.signingKey();
    const ring = await loadKeyring(path.join(this.config.dataDir, 'keys'));
    return [key.certificatePem, ...ring.entries.map((e) => e.certificatePem)];
  }
}

import { generateApiKey, parseApiKey, secretMatches } from './api-key.js';

describe('API keys', () => {
  it('round-trips a generated key and matches only its own hash', () => {
    const k = generateApiKey();
    expect(k.token).toMatch(/^ppk_/);
    const parsed = parseApiKey(k.token);
    expect(parsed?.publicId).toBe(k.publicId);
    expect(secretMatches(parsed!.secret, k.secretHash)).toBe(true);
    expect(secretMatches(parsed!.secret, generateApiKey().secretHash)).toBe(false);
    expect(k.token).not.toContain(k.secretHash);
  });

  it('carries at least 128 random bits in the secret', () => {
    const { token } = generateApiKey();
    const secret = parseApiKey(token)!.secret;
    expect(secret.length * 6).toBeGreaterThanOrEqual(128);
  });

  it('rejects a key whose check characters do not match, without a lookup', () => {
    const { token } = generateApiKey();
    const flipped = token.slice(0, 25) + (token[25] === 'a' ? 'b' : 'a') + token.slice(26);
    expect(parseApiKey(flipped)).toBeNull();
    expect(parseApiKey('Bearer nonsense')).toBeNull();
    expect(parseApiKey('')).toBeNull();
  });
});

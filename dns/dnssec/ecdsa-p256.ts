// Deterministic ECDSA P-256 with SHA-256 (RFC 6979 §3.2 nonces), for
// ECDSAP256SHA256 (algorithm 13, RFC 6605) signatures that are the same
// octets on every run: node:crypto only offers random nonces, and the lab
// promises byte-identical packets for the same seed (docs/ARCHITECTURE.md, "Deterministic").
// The curve arithmetic is @noble/curves (audited, constant-time), not ours;
// signZone still uses node:crypto unless the key asks for deterministic nonces.

import { p256 } from '@noble/curves/nist.js';

/** ECDSA P-256 / SHA-256 signature r‖s (64 octets) with an RFC 6979 nonce. `privateKey` is the 32-octet scalar. */
export function signP256Deterministic(privateKey: Uint8Array, message: Uint8Array): Buffer {
  if (privateKey.length !== 32 || !p256.utils.isValidSecretKey(privateKey)) throw new RangeError('P-256 private key must be in 1..n-1');
  // lowS: false — RFC 6605 and RFC 6979 do not normalise s; the §A.2.5 vectors and earlier signed zones have high s.
  return Buffer.from(p256.sign(message, privateKey, { prehash: true, lowS: false, format: 'compact', extraEntropy: false }));
}

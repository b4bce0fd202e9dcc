import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { derToRawSignature } from './ecdsa-signature.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const verifiesAsJws = (data: Buffer, raw: Buffer) =>
  verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw);

/** DER of SEQUENCE { INTEGER r, INTEGER s } from the integers' own bytes. */
const der = (r: number[], s: number[]) =>
  Buffer.from([0x30, r.length + s.length + 4, 0x02, r.length, ...r, 0x02, s.length, ...s]);

describe('derToRawSignature', () => {
  it('turns every signature node:crypto makes into one that verifies as a JWS (r || s)', () => {
    // Enough signatures that some r or s is shorter than 32 bytes or needs a leading zero.
    let short = 0;
    let padded = 0;
    for (let i = 0; i < 3000; i++) {
      const data = Buffer.from(`payload ${i}`);
      const signature = sign('sha256', data, privateKey);
      const raw = derToRawSignature(signature, 32);
      expect(raw).toHaveLength(64);
      expect(verifiesAsJws(data, raw)).toBe(true);
      const rLength = signature[3];
      const sLength = signature[5 + rLength];
      if (rLength < 32 || sLength < 32) short++;
      if (rLength === 33 || sLength === 33) padded++;
    }
    expect(short).toBeGreaterThan(0);
    expect(padded).toBeGreaterThan(0);
  });

  it('left-pads a short integer and drops the sign byte of a long one', () => {
    const r = [0x00, 0x80, ...Array<number>(31).fill(1)];
    const s = [0x05];
    const raw = derToRawSignature(der(r, s), 32);
    expect(raw.subarray(0, 32)).toEqual(Buffer.from([0x80, ...Array<number>(31).fill(1)]));
    expect(raw.subarray(32)).toEqual(Buffer.from([...Array<number>(31).fill(0), 0x05]));
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['not a SEQUENCE', Buffer.from([0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])],
    ['a wrong length', Buffer.from([0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])],
    ['trailing bytes', Buffer.concat([der([1], [1]), Buffer.from([0])])],
    ['an integer past the curve size', der(Array<number>(33).fill(0x7f), [1])],
    ['an empty integer', Buffer.from([0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01])],
    [
      'an integer running past the end',
      Buffer.from([0x30, 0x06, 0x02, 0x09, 0x01, 0x02, 0x01, 0x01]),
    ],
  ])('refuses %s', (_, input) => {
    expect(() => derToRawSignature(input, 32)).toThrow('not a DER-encoded ECDSA signature');
  });
});

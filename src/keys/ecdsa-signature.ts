/**
 * An ECDSA signature in DER (`SEQUENCE { INTEGER r, INTEGER s }`, what node:crypto gives when
 * signed with the bare KeyObject) as the fixed-width `r || s` a JWS carries (RFC 7518 §3.4),
 * each half `size` bytes (32 for P-256). Throws on anything that is not such a signature.
 */
export function derToRawSignature(der: Buffer, size: number): Buffer {
  let offset = 0;
  const fail = (): never => {
    throw new Error('not a DER-encoded ECDSA signature');
  };
  if (der[offset++] !== 0x30) fail();
  let length = der[offset++];
  if (length === undefined) fail();
  if (length & 0x80) {
    // Long form: only for curves whose signatures pass 127 bytes (P-521).
    const bytes = length & 0x7f;
    if (bytes !== 1) fail();
    length = der[offset++];
  }
  if (offset + length !== der.length) fail();
  const raw = Buffer.alloc(size * 2);
  for (let half = 0; half < 2; half++) {
    if (der[offset++] !== 0x02) fail();
    const intLength = der[offset++];
    if (intLength === undefined || intLength === 0 || offset + intLength > der.length) fail();
    let integer = der.subarray(offset, offset + intLength);
    offset += intLength;
    // DER integers are signed: a leading zero keeps a set high bit from reading as negative.
    while (integer.length > size && integer[0] === 0) integer = integer.subarray(1);
    if (integer.length > size) fail();
    integer.copy(raw, half * size + size - integer.length);
  }
  if (offset !== der.length) fail();
  return raw;
}

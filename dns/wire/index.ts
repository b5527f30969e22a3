// Public surface of the wire codec. See README.md.
export { WireError, isWireError, type WireErrorCode } from './errors.ts';
export {
  encodeMessage,
  decodeMessage,
  decodeMessageUnguarded,
  peekHeader,
  encodeWithinLimit,
  type EncodeOptions,
  type HeaderCounts,
  type PeekedHeader,
  type WithinLimitResult,
} from './message.ts';
export {
  encodeRdata,
  decodeRdata,
  COMPRESSIBLE_RDATA_TYPES,
  CANONICAL_LOWERCASE_TYPES,
  isStructured,
  rdataReader,
  readCharString,
  readTypeBitmap,
  nameWire,
  typeBitmapWire,
} from './rdata.ts';
export { Reader } from './buffer.ts';
export { canonicalRdata, canonicalRecord, sortCanonical, canonicalRdataSet } from './canonical.ts';
export { frameTcp, TcpFrameReader, MAX_TCP_MESSAGE } from './tcp.ts';
export {
  typeToNumber,
  typeFromNumber,
  normalizeType,
  classToNumber,
  classFromNumber,
  rcodeToNumber,
  rcodeFromNumber,
  opcodeToNumber,
  opcodeFromNumber,
} from './types-map.ts';
export { parseIPv4, parseIPv6, formatIPv4, formatIPv6 } from './ip.ts';
export {
  findOption,
  EdeCode,
  makeEdeOption,
  parseEdeOption,
  edeOf,
  makeCookieOption,
  parseCookieOption,
  makeClientSubnetOption,
  parseClientSubnetOption,
  makeNsidOption,
  makeTcpKeepaliveOption,
  makePaddingOption,
  type Ede,
  type Cookie,
  type ClientSubnet,
} from './edns.ts';

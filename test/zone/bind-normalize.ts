// Normalization for comparing presentation lines printed by named-checkzone -D
// with ours: collapse blanks, and join the base64/hex tails BIND splits into
// 56-character chunks. Deliberately independent of dns/zone's own tokenizer.

/** Split on blanks outside double quotes (backslash escapes kept). */
export function splitFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cur += c + line[i + 1]!;
      has = true;
      i++;
    } else if (c === '"') {
      inQuote = !inQuote;
      cur += c;
      has = true;
    } else if (!inQuote && (c === ' ' || c === '\t')) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** Number of RDATA fields before the blob that BIND may split, per type. */
const BLOB_AFTER: Record<string, number> = {
  DNSKEY: 3,
  CDNSKEY: 3,
  DS: 3,
  CDS: 3,
  TLSA: 3,
  SSHFP: 2,
  RRSIG: 8,
  ZONEMD: 3,
  SMIMEA: 3,
  OPENPGPKEY: 0,
  DHCID: 0,
};

export function normalizeLine(line: string): string {
  const f = splitFields(line.trim());
  const [owner, ttl, cls, type, ...rdata] = f;
  let rd = rdata;
  if (rd[0] === '\\#' && rd.length > 2) rd = [rd[0], rd[1]!, rd.slice(2).join('')];
  else if (type !== undefined && BLOB_AFTER[type] !== undefined && rd.length > BLOB_AFTER[type]!) {
    const n = BLOB_AFTER[type]!;
    rd = [...rd.slice(0, n), rd.slice(n).join('')];
  }
  return [owner, ttl, cls, type, ...rd].join(' ');
}

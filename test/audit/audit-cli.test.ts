// The audit's helpers on their own (no sockets): the apex from $ORIGIN, the
// registrable domain behind a nameserver name, provider suffix files.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { registrableDomain } from '../../lab/audit/audit.ts';
import { leadingOrigin } from '../../dns/zone/master-file.ts';
import { parseProviderSuffixes } from '../../lab/audit/providers.ts';

describe('audit helpers', () => {
  it('leadingOrigin: a $ORIGIN before the first record (after $TTL and comments), else none', () => {
    assert.equal(leadingOrigin('; c\n$TTL 60\n$ORIGIN Example.JP.\n@ SOA a b 1 2 3 4 5\n'), 'Example.JP', 'case kept, as names are');
    assert.equal(leadingOrigin('@ 60 SOA a. b. 1 2 3 4 5\n$ORIGIN example.jp.\n'), undefined, 'after a record it is not the apex');
    assert.equal(leadingOrigin('$ORIGIN sub\n'), undefined, 'relative: left to the parser');
    assert.equal(leadingOrigin('$TTL 60\n'), undefined);
  });
  it('registrableDomain knows two-label public suffixes', () => {
    assert.equal(registrableDomain('ns1.old-provider.net'), 'old-provider.net');
    assert.equal(registrableDomain('ns.example.co.jp'), 'example.co.jp');
    assert.equal(registrableDomain('net'), undefined);
    // Beyond the old 20-entry subset: the full ICANN section (tldts), three-label suffixes, unknown TLDs.
    assert.equal(registrableDomain('ns.example.co.za'), 'example.co.za');
    assert.equal(registrableDomain('ns.city.kawasaki.jp'), 'city.kawasaki.jp');
    assert.equal(registrableDomain('ns1.foo.test.'), 'foo.test');
    assert.equal(registrableDomain('x.github.io'), 'github.io', 'private entries are provider namespaces, not registries');
  });
  it('provider suffix files: comments, provider names, errors with file:line', () => {
    const list = parseProviderSuffixes('# mine\n.cdn.example.net  Example CDN\nwebsites.example\n', 'f.txt');
    assert.deepEqual(
      list.map((p) => [p.suffix, p.provider, p.source]),
      [
        ['cdn.example.net', 'Example CDN', 'f.txt:2'],
        ['websites.example', 'websites.example', 'f.txt:3'],
      ],
    );
    assert.throws(() => parseProviderSuffixes('ok.example\nbad_suffix!\n', 'g.txt'), /g\.txt:2/);
  });
});

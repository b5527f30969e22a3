// `dnslab resolver` on real loopback sockets (127.0.7.60) and its argument
// and trust-anchor-file checks.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { textSink } from '../helpers/io.ts';
import { makeQuery } from '../../dns/message.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { InputError, UsageError } from '../../lab/cli/command.ts';
import { loadTrustAnchors, resolverCommand } from '../../lab/cli/resolver.ts';

function udpAsk(port: number, address: string, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('no answer within 3 s'));
    }, 3000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.bind(0, '127.0.7.61', () => s.send(bytes, port, address));
  });
}

describe('dnslab resolver CLI', () => {
  it('serves on the given loopback address: RD=0 query answered with RA=1 from the (empty) cache', async () => {
    const stdout = textSink();
    const stderr = textSink();
    let reply: Buffer | undefined;
    const code = await resolverCommand.run(['--listen', '127.0.7.60:5353', '--root-hints', '127.0.7.62', '--profile', 'bind'], {
      stdout,
      stderr,
      waitForInterrupt: async () => {
        reply = await udpAsk(5353, '127.0.7.60', encodeMessage(makeQuery('www.example.lab', 'A', { id: 99, rd: false })));
      },
    });
    assert.equal(code, 0);
    assert.match(stdout.text, /resolver \(bind, not validating\) on 127\.0\.7\.60:5353/);
    const m = decodeMessage(reply!);
    assert.equal(m.id, 99);
    assert.equal(m.flags.ra, true);
    assert.equal(m.rcode, 'NOERROR');
    assert.equal(m.answer.length, 0);
  });

  it('rejects bad arguments with a UsageError that says what to do', async () => {
    const io = { stdout: textSink(), stderr: textSink(), waitForInterrupt: async () => {} };
    await assert.rejects(resolverCommand.run(['--listen', '127.0.7.60:5354'], io), (e: unknown) => e instanceof UsageError && /--root-hints/.test(e.message));
    await assert.rejects(
      resolverCommand.run(['--root-hints', '127.0.7.1', '--profile', 'nope'], io),
      (e: unknown) => e instanceof UsageError && /unbound/.test(e.message),
    );
    await assert.rejects(
      resolverCommand.run(['--root-hints', '127.0.7.1', '--listen', '192.0.2.1:53'], io),
      (e: unknown) => e instanceof UsageError && /--allow-external/.test(e.message),
    );
    await assert.rejects(
      resolverCommand.run(['--root-hints', '127.0.7.1', '--aggressive-nsec', 'maybe'], io),
      (e: unknown) => e instanceof UsageError && /on or off/.test(e.message),
    );
  });

  it('trust-anchor file: DS/DNSKEY records accepted, anything else named with its file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnslab-rs-cli-'));
    try {
      const good = join(dir, 'good.anchor');
      writeFileSync(good, '. 86400 IN DS 57626 13 2 718FA355603BC95650451A5EB96B2D81507538CD7CAB19033EFD1B8E15BA355E\n');
      const rrs = loadTrustAnchors(good);
      assert.equal(rrs.length, 1);
      assert.equal(rrs[0]!.type, 'DS');
      const bad = join(dir, 'bad.anchor');
      writeFileSync(bad, 'example. 3600 IN A 192.0.2.1\n');
      assert.throws(
        () => loadTrustAnchors(bad),
        (e: unknown) => e instanceof InputError && e.message.includes(bad) && /not a DS or DNSKEY/.test(e.message),
      );
      assert.throws(() => loadTrustAnchors(join(dir, 'missing')), /cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

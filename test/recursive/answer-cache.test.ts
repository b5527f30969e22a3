// The resolver's encoded-answer cache (servers/recursive/server.ts, answerCache): a reused answer is byte for byte
// what a resolver without that cache sends, in the same lab second; a new second (TTLs count down) or any change to
// the cache (a flush) is never answered from an old encoding.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeQuery } from '../../dns/message.ts';
import type { RRTypeName } from '../../dns/types.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { VirtualClock } from '../../net/clock.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { AuthoritativeServer } from '../../servers/authoritative/index.ts';
import { RecursiveResolver } from '../../servers/recursive/server.ts';
import { ADDR, buildWorld, drive } from './world.ts';

const CLIENT = { address: '10.99.0.1', port: 40000 };
const serverZones: Record<string, string[]> = {
  [ADDR.root]: ['.'],
  [ADDR.lab]: ['lab'],
  [ADDR.example]: ['example.lab'],
  [ADDR.other]: ['other.lab', 'glueless.lab'],
};

describe('encoded-answer cache of the recursive resolver', () => {
  const clock = new VirtualClock();
  const world = buildWorld(clock);
  const net = new VirtualNetwork({ clock, seed: 'answer-cache', defaults: { latencyMs: 10 } });
  let upstreamQueries = 0;
  const make = (address: string, answerCache: boolean) =>
    new RecursiveResolver({
      network: net.addHost(`resolver-${address}`, [address]),
      listen: [],
      rootHints: world.rootHints,
      trustAnchors: world.anchors,
      profile: 'unbound',
      seed: 7,
      answerCache,
    });
  const cached = make('10.53.0.1', true);
  const plain = make('10.53.0.2', false);
  const auths: AuthoritativeServer[] = [];

  before(async () => {
    for (const [addr, names] of Object.entries(serverZones)) {
      const host = net.addHost(`auth-${addr}`, [addr]);
      const srv = new AuthoritativeServer({
        network: host,
        listen: [{ address: addr, port: 53 }],
        zones: names.map((n) => world.zones.get(n)!),
        name: addr,
        onEvent: (e) => {
          if (e.type === 'query') upstreamQueries++;
        },
      });
      await srv.start();
      auths.push(srv);
    }
  });
  after(async () => {
    for (const a of auths) await a.stop();
  });

  /** The answer of `resolver` to one client query, ID cleared so two answers compare as octets. */
  async function ask(resolver: RecursiveResolver, qname: string, qtype: RRTypeName, id: number): Promise<Buffer> {
    return (await askAll([resolver], qname, qtype, id))[0]!;
  }
  /** The same query to each resolver at the same lab time. */
  async function askAll(resolvers: RecursiveResolver[], qname: string, qtype: RRTypeName, id: number): Promise<Buffer[]> {
    const query = encodeMessage(makeQuery(qname, qtype, { id, do: true }));
    const answers = await drive(clock, Promise.all(resolvers.map((r) => r.handle(query, CLIENT, 'udp'))));
    return answers.map((bytes) => clearId(bytes, id, qname, qtype));
  }
  function clearId(bytes: Buffer | undefined, id: number, qname: string, qtype: RRTypeName): Buffer {
    assert.ok(bytes, `an answer to ${qname} ${qtype}`);
    assert.equal(bytes.readUInt16BE(0), id, 'the client ID, not the one of the query the answer was first built for');
    const copy = Buffer.from(bytes);
    copy.writeUInt16BE(0, 0);
    return copy;
  }
  const ttls = (b: Buffer) => decodeMessage(b).answer.map((r) => r.ttl);

  it('within one second a reused answer equals what a resolver without the cache sends', async () => {
    // Both caches filled by the same resolution steps at the same lab times (same seed), so their TTLs agree.
    await askAll([cached, plain], 'www.example.lab', 'A', 1);
    await askAll([cached, plain], 'nx.example.lab', 'A', 1);
    for (const [qname, qtype] of [
      ['www.example.lab', 'A'],
      ['nx.example.lab', 'A'],
    ] as const) {
      await ask(cached, qname, qtype, 2); // from the cache alone: encoded and kept
      const before = upstreamQueries;
      const reused = await ask(cached, qname, qtype, 3);
      assert.equal(upstreamQueries, before, 'answered without asking upstream');
      assert.deepEqual(reused, await ask(plain, qname, qtype, 4));
    }
  });

  it('a new lab second gives the counted-down TTLs, not the old encoding', async () => {
    const first = await ask(cached, 'www.example.lab', 'A', 5);
    await clock.runFor(2500);
    const later = await ask(cached, 'www.example.lab', 'A', 6);
    assert.deepEqual(later, await ask(plain, 'www.example.lab', 'A', 7));
    assert.ok(
      ttls(later).every((t, i) => t < ttls(first)[i]!),
      `TTLs counted down: ${ttls(first).join(',')} → ${ttls(later).join(',')}`,
    );
  });

  it('a flush is seen at once: the next answer is resolved again, not reused', async () => {
    await ask(cached, 'www.example.lab', 'A', 8);
    await ask(cached, 'www.example.lab', 'A', 9);
    cached.flushName('www.example.lab');
    const before = upstreamQueries;
    await ask(cached, 'www.example.lab', 'A', 10);
    assert.ok(upstreamQueries > before, 'the flushed name was asked upstream again');
  });
});

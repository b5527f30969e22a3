// TcpDelivery (net/tcp-delivery.ts): the event hand-over both the real and
// the virtual TCP connections use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TcpCloseReason } from '../../net/network.ts';
import { TcpDelivery } from '../../net/tcp-delivery.ts';

test('data before onData is queued and handed over in order, later data goes straight through', () => {
  const d = new TcpDelivery();
  d.data(Buffer.from('a'));
  d.data(Buffer.from('b'));
  const got: string[] = [];
  d.onData((c) => got.push(c.toString()));
  assert.deepEqual(got, ['a', 'b']);
  d.data(Buffer.from('c'));
  assert.deepEqual(got, ['a', 'b', 'c']);
  // A new handler does not get the old chunks again.
  const again: string[] = [];
  d.onData((c) => again.push(c.toString()));
  assert.deepEqual(again, []);
});

test('the close reason is reported once, the first one given, also to a handler registered after the close', () => {
  const early = new TcpDelivery();
  const seen: TcpCloseReason[] = [];
  early.onClose((r) => seen.push(r));
  early.closed('reset');
  early.closed('end');
  assert.deepEqual(seen, ['reset']);

  const late = new TcpDelivery();
  late.closed('timeout');
  late.closed('end');
  const lateSeen: TcpCloseReason[] = [];
  late.onClose((r) => lateSeen.push(r));
  late.onClose((r) => lateSeen.push(r));
  assert.deepEqual(lateSeen, ['timeout']);
});

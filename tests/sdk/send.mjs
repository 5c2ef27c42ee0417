// Sends the same story through each official SDK, unchanged, to the Pulse given on the command line:
//   node send.mjs <pulse base url> <segment write key> <rudderstack write key> <run id>
// Prints one JSON line: the messageIds each SDK reported, for the test to look up.
import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';

const [, , base, segmentKey, rudderKey, run] = process.argv;
const sent = { segment: [], rudder: [] };

const segment = new Analytics({ writeKey: segmentKey, host: base, maxEventsInBatch: 10, flushInterval: 200 });
const remember = (list) => (err, ctx) => { if (err) { console.error('segment error', err); process.exitCode = 1; } else list.push(ctx.event.messageId); };
segment.identify({ userId: `seg-${run}`, traits: { email: `seg-${run}@example.com`, plan: 'pro' } }, remember(sent.segment));
segment.track({ userId: `seg-${run}`, event: 'Order Completed', properties: { revenue: 249.99, currency: 'PLN' } }, remember(sent.segment));
segment.page({ anonymousId: `anon-${run}`, name: 'Pricing', properties: { url: 'https://shop.example/pricing?utm_source=tiktok' } }, remember(sent.segment));
segment.screen({ userId: `seg-${run}`, name: 'Home' }, remember(sent.segment));
segment.group({ userId: `seg-${run}`, groupId: `org-${run}`, traits: { name: 'Acme' } }, remember(sent.segment));
segment.alias({ userId: `seg-${run}`, previousId: `anon-${run}` }, remember(sent.segment));
await segment.closeAndFlush({ timeout: 10000 });

const rudder = new RudderAnalytics(rudderKey, { dataPlaneUrl: base, flushAt: 5, flushInterval: 200, logLevel: 'error' });
const ids = [];
const cb = (err) => { if (err) { console.error('rudder error', err); process.exitCode = 1; } };
for (const [method, msg] of [
  ['identify', { userId: `rud-${run}`, traits: { email: `rud-${run}@example.com` } }],
  ['track', { userId: `rud-${run}`, event: 'Product Added', properties: { sku: 'A1' } }],
  ['page', { anonymousId: `ranon-${run}`, name: 'Cart', properties: { url: 'https://shop.example/cart' } }],
  ['group', { userId: `rud-${run}`, groupId: `rorg-${run}` }],
  ['alias', { userId: `rud-${run}`, previousId: `ranon-${run}` }],
]) {
  const messageId = `rud-${run}-${method}`;
  rudder[method]({ ...msg, messageId }, cb);
  ids.push(messageId);
}
await rudder.flush();
sent.rudder = ids;
console.log(JSON.stringify(sent));

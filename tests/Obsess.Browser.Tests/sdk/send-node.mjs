// Sends a few calls to a running Obsess with the unmodified server-side SDKs of Segment (@segment/analytics-node:
// HTTP Basic, /v1/batch) and RudderStack (@rudderstack/rudder-sdk-node: HTTP Basic, /v1/batch, gzip by default),
// then exits 0 once both have flushed. Any error an SDK reports fails the run (exit 1, message on stderr).
// usage: node sdk/send-node.mjs BASE_URL WRITE_KEY RUN_ID   (from tests/Obsess.Browser.Tests, after npm ci)
import { Analytics } from '@segment/analytics-node'
import RudderAnalytics from '@rudderstack/rudder-sdk-node'

const [baseUrl, writeKey, run] = process.argv.slice(2)
if (!baseUrl || !writeKey || !run) {
  console.error('usage: node sdk/send-node.mjs BASE_URL WRITE_KEY RUN_ID')
  process.exit(2)
}

const errors = []
const segment = new Analytics({ writeKey, host: baseUrl, flushAt: 10, maxRetries: 0 })
segment.on('error', (e) => errors.push(`segment: ${e?.reason?.message ?? e?.code ?? e}`))
segment.identify({ userId: `${run}-segment`, traits: { email: `${run}.segment@example.com`, plan: 'pro' } })
segment.track({ userId: `${run}-segment`, event: `${run} Segment node event`, properties: { items: 2 } })
await segment.closeAndFlush({ timeout: 20000 })

const rudder = new RudderAnalytics(writeKey, { dataPlaneUrl: baseUrl, flushAt: 10, retryCount: 0 })
rudder.identify({ userId: `${run}-rudder`, traits: { email: `${run}.rudder@example.com` } })
rudder.track({ userId: `${run}-rudder`, event: `${run} Rudder node event`, properties: { items: 3 } })
try {
  await rudder.flush()
} catch (e) {
  errors.push(`rudderstack: ${e?.message ?? e}`)
}

if (errors.length > 0) {
  console.error(errors.join('\n'))
  process.exit(1)
}
console.log('sent')

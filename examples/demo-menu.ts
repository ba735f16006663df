/**
 * The demo IVR's sales branch as a TypeScript scenario: the same steps as
 * demo-sales.yaml, on the same engine.
 *
 *   import { scenario } from 'shtoom/harness';
 */
import { scenario } from '../src/harness/index.js';

export default scenario('demo IVR - sales (TypeScript)', {
  vars: { ivr: 'sip:ivr@127.0.0.1:5080' },
  prompts: [
    'Welcome to the shtoom demo line.',
    'You have reached sales. All of our agents are busy. Please call back later.',
  ],
})
  .call('${ivr}', { codec: 'pcmu' })
  .expect('ringing', { timeout: '5s' })
  .expect('answered', { timeout: '10s' })
  .listen()
  .heard('Welcome to the shtoom demo line.')
  .listen()
  .heard('For sales, press 1. For support, press 2. To enter your PIN, press 3. To hang up, press 9.')
  .press('1')
  .listen()
  .heard('You have reached sales. All of our agents are busy. Please call back later.')
  .step('the sales prompt is not cut short', async (api) => {
    if (!api.prompt || api.prompt.speechMs < 3000)
      api.fail('the sales prompt is too short', '≥ 3000 ms', `${api.prompt?.speechMs ?? 0} ms`);
  })
  .listen()
  .heard('Thank you for calling. Goodbye.')
  .expect('hangup')
  .build();

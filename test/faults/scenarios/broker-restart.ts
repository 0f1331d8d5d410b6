import type { Scenario } from '../support/scenario';
import { CONNECTION_LOST_LINE, faultUnderLoad, WINDOW } from './under-load';

/** `rabbitmqctl stop_app` then `start_app` while a publisher and a runtime are busy. */
export const brokerRestartScenario: Scenario = {
  id: 'broker-restart',
  title: 'RabbitMQ stop_app/start_app under load',
  duplicatesAllowed: true,
  needsNodeControl: true,
  timeoutMs: 180_000,
  async run(ctx) {
    const node = ctx.broker.node;
    if (!node) throw new Error('needs node control');
    await faultUnderLoad(ctx, 'broker stop_app + start_app', async ({ runtime, load }) => {
      const drops = runtime.countLines(CONNECTION_LOST_LINE);
      await node.stopApp();
      ctx.log('broker app stopped');
      try {
        // The broker stays down until both sides are seen stuck: the runtime reconnecting, every publisher lane waiting.
        await ctx.waitFor('the runtime to notice and the client to wait', () => runtime.countLines(CONNECTION_LOST_LINE) > drops && load.waiting >= WINDOW, {
          timeoutMs: 20_000,
          failIf: ctx.noRuntimeAlive,
        });
        ctx.log(`runtime reconnecting, ${load.waiting} publishes waiting`);
      } finally {
        await node.startApp(); // whatever happened: the next scenario needs the broker
        ctx.log('broker app started');
      }
    });
  },
};

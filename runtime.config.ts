import { defineConfig } from './src';
import { IMAGE_SETTINGS } from './jobs/image-settings';
import { MemoryPageStore, PAGE_STORE } from './jobs/page-store';

export default defineConfig({
  // No URL: the embedded in-memory broker. WARREN_BROKER_URL=amqp://... uses RabbitMQ instead.
  broker: { url: process.env.WARREN_BROKER_URL },
  jobs: ['jobs/images.ts', 'jobs/crawler.ts'],
  pools: {
    cpu: {}, // threads: the machine's cores
    io: { concurrency: 32 },
  },
  // Runs in the main thread and in every CPU worker thread.
  providers: (container) => {
    container.register(IMAGE_SETTINGS, { useValue: { maxThumbnailWidth: 1024 } });
    container.registerSingleton(PAGE_STORE, MemoryPageStore);
  },
  logLevel: 'info',
});

import 'reflect-metadata';
import { describe } from 'node:test';
import { requireBroker } from '../support/requirements';
import { rabbitHarness } from './rabbitmq-harness';
import { runtimeConformance } from './runtime-conformance';

const node = requireBroker();

describe('runtime conformance: RabbitMQ', { skip: node.skip }, () => {
  runtimeConformance(() => rabbitHarness('rabbitmq', node.url, node.url));
});

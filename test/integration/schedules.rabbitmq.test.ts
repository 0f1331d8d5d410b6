import 'reflect-metadata';
import { describe } from 'node:test';
import { requireBroker } from '../support/requirements';
import { scheduleSuite } from './schedule-suite';

const broker = requireBroker();

describe('schedules on RabbitMQ', { skip: broker.skip }, () => scheduleSuite(broker.url));

import 'reflect-metadata';
import { describe } from 'node:test';
import { requireBroker, requirePostgres } from '../support/requirements';
import { resultStoreSuite } from './result-store-suite';

const broker = requireBroker();
const postgres = requirePostgres();

describe('results by id on RabbitMQ and PostgreSQL', { skip: broker.skip || postgres.skip }, () => resultStoreSuite(() => ({ brokerUrl: broker.url, resultsUrl: postgres.url })));

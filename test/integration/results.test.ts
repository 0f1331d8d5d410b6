import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import { resultStoreSuite } from './result-store-suite';

describe('results by id on the embedded broker and store', () => resultStoreSuite(() => ({ brokerUrl: `memory://results-${randomBytes(4).toString('hex')}`, resultsUrl: 'memory://' })));

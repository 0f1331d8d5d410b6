import 'reflect-metadata';
import { describe } from 'node:test';
import { scheduleSuite } from './schedule-suite';

describe('schedules on the embedded broker', () => scheduleSuite(undefined));

import 'reflect-metadata';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { container } from 'tsyringe';
import { DependencyResolutionError, RegistryError } from '../../src';
import { resolveJob } from '../../src/pools/job-instances';
import { loadedCopies } from '../../src/util/loaded-copies';

const repo = path.join(__dirname, '..', '..');

/** Compiles TypeScript as a user's own tsc would, then loads it. */
function compileAndLoad(dir: string, source: string, experimentalDecorators: boolean): unknown {
  const { outputText } = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators, emitDecoratorMetadata: experimentalDecorators } });
  const file = path.join(dir, `job-${experimentalDecorators ? 'legacy' : 'standard'}.js`);
  fs.writeFileSync(file, outputText);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file);
}

describe('what a newcomer meets when decorators are not set up', () => {
  test('given a job compiled without experimentalDecorators, when it loads, then @Task names the tsconfig flags', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warren-decorators-'));
    const source = `import { Task } from ${JSON.stringify(path.join(repo, 'src'))};\n@Task({ queue: 'q', pool: 'io' }) export class Standard { run() {} }\n`;
    assert.throws(() => compileAndLoad(dir, source, false), (error: Error) => error instanceof RegistryError && /@Task on Standard was compiled as a standard decorator/.test(error.message) && /"experimentalDecorators": true/.test(error.message));
    assert.doesNotThrow(() => compileAndLoad(dir, source, true), 'the same class with the flags loads');
  });

  test('given two copies of tsyringe, when a class made injectable by the other copy fails to resolve, then the error names both copies', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warren-two-tsyringe-'));
    const copy = path.join(dir, 'node_modules', 'tsyringe');
    fs.cpSync(path.dirname(require.resolve('tsyringe/package.json')), copy, { recursive: true });
    // tsyringe's own dependency, found where Node finds it for the real copy.
    fs.symlinkSync(path.join(repo, 'node_modules', 'tslib'), path.join(dir, 'node_modules', 'tslib'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const other = require(copy) as typeof import('tsyringe');
    class Dependency {}
    class Job {
      constructor(readonly dependency: Dependency) {}
    }
    Reflect.defineMetadata('design:paramtypes', [Dependency], Job);
    other.injectable()(Job);

    assert.equal(loadedCopies('tsyringe').length, 2);
    assert.throws(() => resolveJob(container.createChildContainer(), Job), (error: Error) => error instanceof DependencyResolutionError && error.message.includes('two copies of tsyringe are loaded') && error.message.includes(copy));
  });

  test('loadedCopies finds each install folder once, nested ones apart', () => {
    const files = ['/app/node_modules/tsyringe/dist/cjs/index.js', '/app/node_modules/tsyringe/dist/cjs/dependency-container.js', '/app/node_modules/warren/node_modules/tsyringe/dist/cjs/index.js', '/app/node_modules/tsyringe-extra/index.js'];
    assert.deepEqual(loadedCopies('tsyringe', files), ['/app/node_modules/tsyringe', '/app/node_modules/warren/node_modules/tsyringe']);
  });
});

/**
 * `node --require warren/register app.ts`: Warren's TypeScript hook (SWC, with decorator metadata)
 * for an app script and everything it imports outside node_modules.
 */
import { registerTypeScript } from './loader/typescript-hook';

registerTypeScript();

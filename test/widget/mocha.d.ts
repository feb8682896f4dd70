// Minimal typings for the mocha globals @web/test-runner provides (no @types/mocha installed).
type Done = (error?: unknown) => void;
type TestFn = (this: unknown, done: Done) => void | Promise<unknown>;
declare function describe(title: string, fn: () => void): void;
declare function it(title: string, fn: TestFn): void;
declare function before(fn: TestFn): void;
declare function after(fn: TestFn): void;
declare function beforeEach(fn: TestFn): void;
declare function afterEach(fn: TestFn): void;

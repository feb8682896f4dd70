// Minimal typings for the mocha globals @web/test-runner provides (no @types/mocha installed).
type Done = (error?: unknown) => void;
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- mocha's own signature: a test returns nothing or a promise
type TestFn = (this: unknown, done: Done) => void | Promise<unknown>;
declare function describe(title: string, fn: () => void): void;
declare function it(title: string, fn: TestFn): void;
declare function before(fn: TestFn): void;
declare function after(fn: TestFn): void;
declare function beforeEach(fn: TestFn): void;
declare function afterEach(fn: TestFn): void;

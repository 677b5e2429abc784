// Imported by every DSL suite: after each test, no frame may be left current. A compiled
// segment that is not ended before an implicit await would leak its frame into whatever runs
// next; this catches it at the test that caused it.
import { currentFrame } from "anyio-ts/rt";

afterEach(async () => {
  expect(currentFrame()).toBeUndefined();
  await new Promise((resolve) => setImmediate(resolve));
  expect(currentFrame()).toBeUndefined();
});

// Writes a 1 MB file over and over with writeFileAtomic, each version filled
// with one byte value, and prints the version after each write.
import { writeFileAtomic } from '../../../src/pbt/artifact-store.js';

const path = process.argv[2] as string;
const size = 1 << 20;
for (let v = 1; ; v = (v % 250) + 1) {
  writeFileAtomic(path, new Uint8Array(size).fill(v));
  process.stdout.write(`${v}\n`);
}

/**
 * Dense linear algebra for symmetric positive-definite systems, on row-major
 * Float64Arrays: the Cholesky factorization, triangular solves, and a factor
 * that grows one row at a time.
 *
 * Notation: A is n×n symmetric positive definite, A = L·Lᵀ with L lower
 * triangular; element (i, j) of a matrix with leading dimension ld (the
 * distance between rows, ld ≥ n) is at [i·ld + j]. Only the lower triangle of
 * A is read; the strict upper triangle of L is left as zero.
 *
 * Appending a row and column to A, A' = [[A, k], [kᵀ, d]], extends L by one
 * row [lᵀ, λ] with L·l = k and λ = √(d − lᵀl): O(n²)
 * instead of the O(n³) of a new factorization (Golub & Van Loan,
 * "Matrix Computations", 4th ed., §4.2).
 */

/**
 * Factors A in place of `out` (which may be `a` itself): returns false when a
 * pivot is not positive (A is not numerically positive definite).
 */
export function cholesky(a: Float64Array, n: number, out: Float64Array = new Float64Array(n * n), ld = n): boolean {
  for (let i = 0; i < n; i++) {
    const ri = i * ld;
    for (let j = 0; j <= i; j++) {
      const rj = j * ld;
      let s0 = a[ri + j] as number;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < j; k += 4) {
        s0 -= (out[ri + k] as number) * (out[rj + k] as number);
        s1 -= (out[ri + k + 1] as number) * (out[rj + k + 1] as number);
        s2 -= (out[ri + k + 2] as number) * (out[rj + k + 2] as number);
        s3 -= (out[ri + k + 3] as number) * (out[rj + k + 3] as number);
      }
      for (; k < j; k++) s0 -= (out[ri + k] as number) * (out[rj + k] as number);
      const s = s0 + s1 + s2 + s3;
      if (i === j) {
        if (!(s > 0)) return false;
        out[ri + i] = Math.sqrt(s);
      } else {
        out[ri + j] = s / (out[rj + j] as number);
      }
    }
    for (let j = i + 1; j < n; j++) out[ri + j] = 0;
  }
  return true;
}

export interface JitteredCholesky {
  readonly l: Float64Array;
  /** The multiple of the identity added to A before it factored (0 when none was needed). */
  readonly jitter: number;
}

/**
 * Cholesky of A + εI with the smallest ε in {0, 1e-10·s, 1e-9·s, …} (s the
 * mean diagonal) that factors, at most `maxTries` jittered attempts; null
 * if none does.
 */
export function choleskyWithJitter(a: Float64Array, n: number, options: { maxTries?: number; initial?: number } = {}): JitteredCholesky | null {
  const l = new Float64Array(n * n);
  if (cholesky(a, n, l)) return { l, jitter: 0 };
  let scale = 0;
  for (let i = 0; i < n; i++) scale += Math.abs(a[i * n + i] as number);
  scale = n > 0 ? scale / n : 1;
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
  const work = a.slice();
  let jitter = (options.initial ?? 1e-10) * scale;
  const tries = options.maxTries ?? 8;
  for (let t = 0; t < tries; t++, jitter *= 10) {
    for (let i = 0; i < n; i++) work[i * n + i] = (a[i * n + i] as number) + jitter;
    if (cholesky(work, n, l)) return { l, jitter };
  }
  return null;
}

/** Solves L·x = b (forward substitution); `out` may be `b`. */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array = new Float64Array(n), ld = n): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * ld;
    let s0 = b[i] as number;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let k = 0;
    for (; k + 3 < i; k += 4) {
      s0 -= (l[ri + k] as number) * (out[k] as number);
      s1 -= (l[ri + k + 1] as number) * (out[k + 1] as number);
      s2 -= (l[ri + k + 2] as number) * (out[k + 2] as number);
      s3 -= (l[ri + k + 3] as number) * (out[k + 3] as number);
    }
    for (; k < i; k++) s0 -= (l[ri + k] as number) * (out[k] as number);
    out[i] = (s0 + s1 + s2 + s3) / (l[ri + i] as number);
  }
  return out;
}

/** Solves Lᵀ·x = b (back substitution, by rows of L); `out` may be `b`. */
export function solveLowerTranspose(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array = new Float64Array(n), ld = n): Float64Array {
  if (out !== b) for (let i = 0; i < n; i++) out[i] = b[i] as number;
  let i = n - 1;
  // Four unknowns at a time: solve them, then one pass subtracts their four rows from the rest.
  for (; i >= 3; i -= 4) {
    const r0 = i * ld;
    const r1 = r0 - ld;
    const r2 = r1 - ld;
    const r3 = r2 - ld;
    const x0 = (out[i] as number) / (l[r0 + i] as number);
    const x1 = ((out[i - 1] as number) - (l[r0 + i - 1] as number) * x0) / (l[r1 + i - 1] as number);
    const x2 = ((out[i - 2] as number) - (l[r0 + i - 2] as number) * x0 - (l[r1 + i - 2] as number) * x1) / (l[r2 + i - 2] as number);
    const x3 = ((out[i - 3] as number) - (l[r0 + i - 3] as number) * x0 - (l[r1 + i - 3] as number) * x1 - (l[r2 + i - 3] as number) * x2) / (l[r3 + i - 3] as number);
    out[i] = x0;
    out[i - 1] = x1;
    out[i - 2] = x2;
    out[i - 3] = x3;
    for (let k = 0; k < i - 3; k++) {
      out[k] = (out[k] as number) - ((l[r0 + k] as number) * x0 + (l[r1 + k] as number) * x1 + (l[r2 + k] as number) * x2 + (l[r3 + k] as number) * x3);
    }
  }
  for (; i >= 0; i--) {
    const ri = i * ld;
    const xi = (out[i] as number) / (l[ri + i] as number);
    out[i] = xi;
    for (let k = 0; k < i; k++) out[k] = (out[k] as number) - (l[ri + k] as number) * xi;
  }
  return out;
}

/** Solves A·x = b given A's Cholesky factor. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array = new Float64Array(n), ld = n): Float64Array {
  solveLower(l, n, b, out, ld);
  return solveLowerTranspose(l, n, out, out, ld);
}

/**
 * Solves L·V = B for m right-hand sides at once, in place: B is n×m row-major
 * (row i holds the i-th entry of every right-hand side), so the inner loop
 * runs over m contiguous numbers.
 */
export function solveLowerMany(l: Float64Array, n: number, b: Float64Array, m: number, ld = n): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * ld;
    const bi = i * m;
    let k = 0;
    // Four rows of B at a time: one pass over row i per four updates.
    for (; k + 3 < i; k += 4) {
      const l0 = l[ri + k] as number;
      const l1 = l[ri + k + 1] as number;
      const l2 = l[ri + k + 2] as number;
      const l3 = l[ri + k + 3] as number;
      const b0 = k * m;
      const b1 = b0 + m;
      const b2 = b1 + m;
      const b3 = b2 + m;
      for (let c = 0; c < m; c++) {
        b[bi + c] = (b[bi + c] as number) - (l0 * (b[b0 + c] as number) + l1 * (b[b1 + c] as number) + l2 * (b[b2 + c] as number) + l3 * (b[b3 + c] as number));
      }
    }
    for (; k < i; k++) {
      const lik = l[ri + k] as number;
      const bk = k * m;
      for (let c = 0; c < m; c++) b[bi + c] = (b[bi + c] as number) - lik * (b[bk + c] as number);
    }
    const inv = 1 / (l[ri + i] as number);
    for (let c = 0; c < m; c++) b[bi + c] = (b[bi + c] as number) * inv;
  }
  return b;
}

/** log det A = 2 Σ log Lᵢᵢ. */
export function logDetFromCholesky(l: Float64Array, n: number, ld = n): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * ld + i] as number);
  return 2 * s;
}

/**
 * A⁻¹ (full, symmetric) from A's Cholesky factor: M = L⁻¹ by rows, then
 * A⁻¹ = Mᵀ·M. `work` (n², optional) is scratch space for M.
 */
export function choleskyInverse(
  l: Float64Array,
  n: number,
  out: Float64Array = new Float64Array(n * n),
  ld = n,
  work: Float64Array = new Float64Array(n * n),
): Float64Array {
  const m = work;
  for (let i = 0; i < n; i++) {
    const mi = i * n;
    const ri = i * ld;
    m.fill(0, mi, mi + i + 1);
    // Row i of L·M = I: M_ij = (δ_ij − Σ_{j ≤ k < i} L_ik M_kj) / L_ii.
    // Σ_k L_ik·(row k of M), rows k of M nonzero up to column k: four rows at a time where all four reach column j.
    let k = 0;
    for (; k + 3 < i; k += 4) {
      const l0 = l[ri + k] as number;
      const l1 = l[ri + k + 1] as number;
      const l2 = l[ri + k + 2] as number;
      const l3 = l[ri + k + 3] as number;
      const m0 = k * n;
      const m1 = m0 + n;
      const m2 = m1 + n;
      const m3 = m2 + n;
      for (let j = 0; j <= k; j++) {
        m[mi + j] = (m[mi + j] as number) - (l0 * (m[m0 + j] as number) + l1 * (m[m1 + j] as number) + l2 * (m[m2 + j] as number) + l3 * (m[m3 + j] as number));
      }
      m[mi + k + 1] = (m[mi + k + 1] as number) - (l1 * (m[m1 + k + 1] as number) + l2 * (m[m2 + k + 1] as number) + l3 * (m[m3 + k + 1] as number));
      m[mi + k + 2] = (m[mi + k + 2] as number) - (l2 * (m[m2 + k + 2] as number) + l3 * (m[m3 + k + 2] as number));
      m[mi + k + 3] = (m[mi + k + 3] as number) - l3 * (m[m3 + k + 3] as number);
    }
    for (; k < i; k++) {
      const lik = l[ri + k] as number;
      const mk = k * n;
      for (let j = 0; j <= k; j++) m[mi + j] = (m[mi + j] as number) - lik * (m[mk + j] as number);
    }
    m[mi + i] = 1;
    const inv = 1 / (l[ri + i] as number);
    for (let j = 0; j <= i; j++) m[mi + j] = (m[mi + j] as number) * inv;
  }
  // (A⁻¹)ᵢⱼ = Σ_{k ≥ max(i,j)} M_ki M_kj; accumulate row k of M into the lower triangle.
  out.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let k = i;
    // Rows k, k+1, k+2, k+3 of M at once: one pass over row i of the result per four.
    for (; k + 3 < n; k += 4) {
      const r0 = k * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      const a0 = m[r0 + i] as number;
      const a1 = m[r1 + i] as number;
      const a2 = m[r2 + i] as number;
      const a3 = m[r3 + i] as number;
      for (let j = 0; j <= i; j++) {
        out[ri + j] =
          (out[ri + j] as number) + a0 * (m[r0 + j] as number) + a1 * (m[r1 + j] as number) + a2 * (m[r2 + j] as number) + a3 * (m[r3 + j] as number);
      }
    }
    for (; k < n; k++) {
      const rk = k * n;
      const a = m[rk + i] as number;
      for (let j = 0; j <= i; j++) out[ri + j] = (out[ri + j] as number) + a * (m[rk + j] as number);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[j * n + i] = out[i * n + j] as number;
  return out;
}

/**
 * A Cholesky factor that grows by one row and column at a time (O(n²) per
 * row) and can be cut back to its first rows, as a Gaussian process adds
 * trials or tries fantasy points. Rows are stored with a leading dimension
 * equal to the capacity, so appending never moves earlier rows.
 */
export class IncrementalCholesky {
  /** The factor, row-major with leading dimension `capacity`. */
  l: Float64Array;
  capacity: number;
  n = 0;

  constructor(capacity = 16) {
    this.capacity = Math.max(1, capacity);
    this.l = new Float64Array(this.capacity * this.capacity);
  }

  /** A factor of the full matrix A (n×n, row-major), or null if A is not positive definite. */
  static fromMatrix(a: Float64Array, n: number, capacity = n): IncrementalCholesky | null {
    const f = new IncrementalCholesky(Math.max(n, capacity));
    if (!cholesky(a, n, f.l, f.capacity)) return null;
    f.n = n;
    return f;
  }

  /** A copy of an ordinary factor L (n×n, leading dimension n). */
  static fromFactor(l: Float64Array, n: number, capacity = n): IncrementalCholesky {
    const f = new IncrementalCholesky(Math.max(n, capacity));
    for (let i = 0; i < n; i++) f.l.set(l.subarray(i * n, i * n + i + 1), i * f.capacity);
    f.n = n;
    return f;
  }

  clone(extra = 0): IncrementalCholesky {
    const f = new IncrementalCholesky(Math.max(this.capacity, this.n + extra));
    const c = this.capacity;
    for (let i = 0; i < this.n; i++) f.l.set(this.l.subarray(i * c, i * c + i + 1), i * f.capacity);
    f.n = this.n;
    return f;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const l = new Float64Array(cap * cap);
    for (let i = 0; i < this.n; i++) l.set(this.l.subarray(i * this.capacity, i * this.capacity + i + 1), i * cap);
    this.l = l;
    this.capacity = cap;
  }

  /**
   * Appends the row and column (k, d) to A: k = A(new, old) of length n, d
   * = A(new, new). Returns false, changing nothing, if the result would not
   * be positive definite.
   */
  append(k: ArrayLike<number>, d: number): boolean {
    if (this.n + 1 > this.capacity) this.grow();
    const n = this.n;
    const ld = this.capacity;
    const row = this.l.subarray(n * ld, n * ld + n + 1);
    solveLower(this.l, n, k, row, ld);
    let s = d;
    for (let i = 0; i < n; i++) s -= (row[i] as number) * (row[i] as number);
    if (!(s > 0)) {
      row.fill(0);
      return false;
    }
    row[n] = Math.sqrt(s);
    this.n = n + 1;
    return true;
  }

  /** Keeps only the first n rows. */
  truncate(n: number): void {
    if (n < 0 || n > this.n) throw new RangeError(`cannot truncate a factor of ${this.n} rows to ${n}`);
    const ld = this.capacity;
    for (let i = n; i < this.n; i++) this.l.fill(0, i * ld, i * ld + i + 1);
    this.n = n;
  }

  solveLower(b: ArrayLike<number>, out: Float64Array = new Float64Array(this.n)): Float64Array {
    return solveLower(this.l, this.n, b, out, this.capacity);
  }

  solveLowerTranspose(b: ArrayLike<number>, out: Float64Array = new Float64Array(this.n)): Float64Array {
    return solveLowerTranspose(this.l, this.n, b, out, this.capacity);
  }

  solve(b: ArrayLike<number>, out: Float64Array = new Float64Array(this.n)): Float64Array {
    return choleskySolve(this.l, this.n, b, out, this.capacity);
  }

  solveLowerMany(b: Float64Array, m: number): Float64Array {
    return solveLowerMany(this.l, this.n, b, m, this.capacity);
  }

  logDet(): number {
    return logDetFromCholesky(this.l, this.n, this.capacity);
  }

  /** The factor as an ordinary n×n array. */
  toArray(): Float64Array {
    const out = new Float64Array(this.n * this.n);
    for (let i = 0; i < this.n; i++) out.set(this.l.subarray(i * this.capacity, i * this.capacity + i + 1), i * this.n);
    return out;
  }
}

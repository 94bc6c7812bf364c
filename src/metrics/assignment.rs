//! Exact minimum-cost one-to-one assignment (shortest augmenting paths with potentials,
//! the Hungarian method in its O(n³) Jonker–Volgenant form).

/// For an `n × n` cost given by `cost(i, j)`, the column assigned to each row so that the
/// total cost is minimal.
pub fn min_cost_assignment(n: usize, cost: impl Fn(usize, usize) -> f64) -> Vec<usize> {
    // 1-based arrays with a virtual row/column 0, as in the classic formulation.
    let mut u = vec![0.0f64; n + 1];
    let mut v = vec![0.0f64; n + 1];
    let mut row_of_col = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    let mut min_to = vec![f64::INFINITY; n + 1];
    let mut used = vec![false; n + 1];
    for i in 1..=n {
        row_of_col[0] = i;
        let mut j0 = 0;
        min_to.fill(f64::INFINITY);
        used.fill(false);
        loop {
            used[j0] = true;
            let i0 = row_of_col[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            let ui0 = u[i0];
            for j in 1..=n {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - ui0 - v[j];
                    if cur < min_to[j] {
                        min_to[j] = cur;
                        way[j] = j0;
                    }
                    if min_to[j] < delta {
                        delta = min_to[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[row_of_col[j]] += delta;
                    v[j] -= delta;
                } else {
                    min_to[j] -= delta;
                }
            }
            j0 = j1;
            if row_of_col[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            row_of_col[j0] = row_of_col[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut col_of_row = vec![0usize; n];
    for j in 1..=n {
        if row_of_col[j] > 0 {
            col_of_row[row_of_col[j] - 1] = j - 1;
        }
    }
    col_of_row
}

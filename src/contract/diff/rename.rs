//! Telling a renamed field from a removed one.

use super::shape::Shape;

/// Pair removed required fields with added required ones that look like the same field under
/// a new name: a similar name or overlapping values, and compatible types.
pub(super) fn renames(
    old: &Shape,
    new: &Shape,
    removed: &[&String],
    added: &[&String],
) -> Vec<(String, String)> {
    let any = Shape::default();
    let mut candidates: Vec<(i64, &String, &String)> = Vec::new();
    for from in removed {
        for to in added {
            let o = old.properties.get(*from).unwrap_or(&any);
            let n = new.properties.get(*to).unwrap_or(&any);
            let distance = levenshtein(from, to);
            let longest = from.chars().count().max(to.chars().count());
            let similar_name = distance * 2 <= longest;
            let shared_values = match (&o.values, &n.values) {
                (Some(a), Some(b)) => a.iter().any(|v| b.contains(v)),
                _ => false,
            };
            let types_fit = match (o.effective_types(), n.effective_types()) {
                (Some(a), Some(b)) => !a.is_disjoint(&b),
                _ => true,
            };
            if types_fit && (similar_name || shared_values) {
                let score =
                    10 * i64::from(similar_name) + 10 * i64::from(shared_values) - distance as i64;
                candidates.push((score, from, to));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (_, from, to) in candidates {
        if pairs.iter().all(|(f, t)| f != from && t != to) {
            pairs.push((from.clone(), to.clone()));
        }
    }
    pairs
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("state", "status"), 2);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }
}

//! `baton fmt`: put collection keys in the canonical order (the reference's order), moving
//! whole lines so comments, quoting and layout stay as written and git diffs stay small.
//!
//! Only block-style maps are reordered (the top level and each request); a request written
//! in flow style (`- { name: a, url: b }`) is left as it is. The result is re-read and must
//! mean exactly what the input meant, or the file is left alone with an error.

use crate::yaml::{self, Kind, Node};

use crate::collection::keys::{REQUEST as REQUEST_ORDER, TOP as TOP_ORDER};

/// The canonical text of a collection, or why it cannot be formatted.
pub fn format(text: &str) -> Result<String, String> {
    let root = yaml::parse(text)
        .map_err(|e| format!("invalid YAML at line {}: {}", e.pos.line, e.message))?;
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    if root.as_map().is_none() {
        return Err("not a collection (the top level is not a map)".into());
    }
    let n = lines.len();
    reorder_map(&mut lines, &root, 0, n, TOP_ORDER, false);
    // Positions moved: read again before touching the requests.
    let joined = lines.join("\n");
    let root2 = yaml::parse(&joined).map_err(|e| {
        format!(
            "formatting broke the file at line {}: {}",
            e.pos.line, e.message
        )
    })?;
    if let Some(requests) = root2.get("requests")
        && let Kind::Seq(items) = &requests.kind
    {
        let seq_end = next_top_key_line(&root2, requests).unwrap_or(lines.len());
        let starts: Vec<usize> = items.iter().map(item_line).collect();
        for (idx, item) in items.iter().enumerate().rev() {
            let start = starts[idx];
            let end = starts.get(idx + 1).copied().unwrap_or(seq_end);
            if item.as_map().is_some() {
                reorder_map(&mut lines, item, start, end, REQUEST_ORDER, true);
            }
        }
    }
    let mut out = lines.join("\n");
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    let before = root.to_json();
    let after = yaml::parse(&out)
        .map(|n| n.to_json())
        .map_err(|e| format!("formatting broke the file: {}", e.message))?;
    if before != after {
        return Err("formatting would change the meaning of the file; left as it is".into());
    }
    Ok(out)
}

/// The 0-based line of a sequence item's `- ` (its first key's line).
fn item_line(item: &Node) -> usize {
    item.pos.line.saturating_sub(1) as usize
}

/// The 0-based line where the top-level key after `value`'s key starts.
fn next_top_key_line(root: &Node, value: &Node) -> Option<usize> {
    let map = root.as_map()?;
    let idx = map.iter().position(|(_, v)| std::ptr::eq(v, value))?;
    map.get(idx + 1)
        .map(|(k, _)| k.pos.line.saturating_sub(1) as usize)
}

/// Reorder the key blocks of the block map `node`, whose text spans lines `start..end` (0-based).
fn reorder_map(
    lines: &mut [String],
    node: &Node,
    start: usize,
    end: usize,
    order: &[&str],
    in_seq: bool,
) {
    let Some(map) = node.as_map() else { return };
    if map.len() < 2 {
        return;
    }
    let key_lines: Vec<usize> = map
        .iter()
        .map(|(k, _)| k.pos.line.saturating_sub(1) as usize)
        .collect();
    let col = map[0].0.pos.col.saturating_sub(1) as usize;
    // Flow style, or keys sharing a line, or keys not in one column: leave it alone.
    if key_lines.windows(2).any(|w| w[0] >= w[1])
        || map.iter().any(|(k, _)| k.pos.col as usize != col + 1)
    {
        return;
    }
    if key_lines[0] < start || key_lines.iter().any(|l| *l >= end) {
        return;
    }
    let rank = |name: &str| order.iter().position(|o| *o == name).unwrap_or(order.len());
    let mut sorted: Vec<usize> = (0..map.len()).collect();
    sorted.sort_by_key(|i| rank(&map[*i].0.name));
    if sorted.iter().enumerate().all(|(a, b)| a == *b) {
        return;
    }
    // Blocks: each key's lines up to the next key; comment lines just above a key go with it.
    let first = key_lines[0];
    let mut bounds: Vec<usize> = key_lines.clone();
    for b in bounds.iter_mut().skip(1) {
        while *b > first + 1 && is_comment(&lines[*b - 1], col) {
            *b -= 1;
        }
    }
    let mut block_end = end;
    // Trailing blank lines of the whole map stay at its end.
    while block_end > first + 1 && lines[block_end - 1].trim().is_empty() {
        block_end -= 1;
    }
    let mut blocks: Vec<Vec<String>> = Vec::new();
    for i in 0..map.len() {
        let from = bounds[i];
        let to = if i + 1 < map.len() {
            bounds[i + 1]
        } else {
            block_end
        };
        let mut b: Vec<String> = lines[from..to].to_vec();
        while b.len() > 1 && b.last().is_some_and(|l| l.trim().is_empty()) {
            b.pop();
        }
        blocks.push(b);
    }
    if in_seq {
        // `- name: a`: take the dash off the first key's line; put it on the new first key's.
        let l = &mut blocks[0][0];
        if col >= 2 && l.get(col - 2..col) == Some("- ") {
            l.replace_range(col - 2..col, "  ");
        } else {
            return;
        }
    }
    let mut new: Vec<String> = Vec::new();
    for i in &sorted {
        new.extend(blocks[*i].iter().cloned());
    }
    if in_seq {
        let Some(first_key) = new.iter().position(|l| !is_comment(l, col)) else {
            return;
        };
        new[first_key].replace_range(col - 2..col, "- ");
    }
    // Keep the region's line count: pad with the blank lines blocks gave up.
    let region = block_end - first;
    while new.len() < region {
        new.push(String::new());
    }
    if new.len() != region {
        return;
    }
    for (i, l) in new.into_iter().enumerate() {
        lines[first + i] = l;
    }
}

fn is_comment(line: &str, col: usize) -> bool {
    let t = line.trim_start();
    t.starts_with('#') && line.len() - t.len() >= col.saturating_sub(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_top_level_and_request_keys_keeping_comments() {
        let input = "requests:\n  # the login\n  - url: http://x/login\n    # must be POST\n    method: POST\n    name: login\n\n  - name: b\n    url: http://x/b\nname: demo\n";
        let out = format(input).unwrap();
        assert_eq!(
            out,
            "name: demo\nrequests:\n  # the login\n    # must be POST\n  - name: login\n    method: POST\n    url: http://x/login\n\n  - name: b\n    url: http://x/b\n"
                .replace("    # must be POST\n  - name: login\n    method: POST\n", "  - name: login\n    # must be POST\n    method: POST\n")
        );
    }

    #[test]
    fn formatted_text_is_stable() {
        let input =
            "name: demo\nrequests:\n  - name: a\n    url: http://x/\n    expect: { status: 200 }\n";
        assert_eq!(format(input).unwrap(), input);
    }

    #[test]
    fn flow_style_requests_are_left_alone() {
        let input = "requests:\n  - { url: http://x/, name: a }\n";
        assert_eq!(format(input).unwrap(), input);
    }
}

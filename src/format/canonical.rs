//! `baton fmt`: put collection keys in the canonical order (the reference's order), moving
//! whole lines so comments, quoting and layout stay as written and git diffs stay small.
//!
//! A comment belongs to what follows it: the comment and blank lines above a key (or above a
//! request's `- `) move with that key, and a comment on a key's line stays on that line. Two
//! kinds of comment stay where they are: those at the end of a block (after its last entry,
//! not indented into that entry's value), and those indented into the value above them right
//! after it ends (they close that value). Blank lines move with the key below them, so a file
//! spaced out by blank lines stays spaced out.
//!
//! Only block-style maps are reordered (the top level and each request); a request written
//! in flow style (`- { name: a, url: b }`) is left as it is. The result is re-read and must
//! mean exactly what the input meant, or the file is left alone with an error.

use crate::format::yaml::{self, Kind, Node};

use crate::format::keys::{REQUEST as REQUEST_ORDER, TOP as TOP_ORDER};

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
    let root2 = yaml::parse(&joined).map_err(|e| broken(&e.message))?;
    if let Some(requests) = root2.get("requests")
        && let Kind::Seq(items) = &requests.kind
    {
        let seq_end = next_top_key_line(&root2, requests).unwrap_or(lines.len());
        let starts: Vec<usize> = items.iter().map(item_line).collect();
        for (idx, item) in items.iter().enumerate().rev() {
            let Some(first) = item.as_map().and_then(|m| m.first()) else {
                continue;
            };
            let start = starts[idx];
            let next = starts.get(idx + 1).copied().unwrap_or(seq_end);
            // Comments at the `- ` column or left of it, before the next item, are the next
            // item's (or the end of the list's): they are not part of this request.
            let dash_col = (first.0.pos.col as usize).saturating_sub(3);
            let end = attached_start(&lines, start + 1, next, dash_col);
            reorder_map(&mut lines, item, start, end, REQUEST_ORDER, true);
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
        .map_err(|e| broken(&e.message))?;
    if before != after {
        return Err("formatting would change the meaning of the file; left as it is".into());
    }
    Ok(out)
}

fn broken(why: &str) -> String {
    format!(
        "reordering the keys would break the file ({why}), e.g. an alias would come before its anchor; it is left as it is"
    )
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

/// One key of a map being reordered: the blank lines above it, then its comments, its line
/// and its value.
struct Block {
    gap: usize,
    text: Vec<String>,
    /// Index of the key's own line in `text`.
    key: usize,
}

/// Reorder the key blocks of the block map `node`, whose text spans lines `start..end` (0-based).
/// The number of lines may change (blank lines move with their keys); lines before `start`
/// keep their positions.
fn reorder_map(
    lines: &mut Vec<String>,
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
    if key_lines[0] < start || key_lines.iter().any(|l| *l >= end) || end > lines.len() {
        return;
    }
    let rank = |name: &str| order.iter().position(|o| *o == name).unwrap_or(order.len());
    let mut sorted: Vec<usize> = (0..map.len()).collect();
    sorted.sort_by_key(|i| rank(&map[*i].0.name));
    if sorted.iter().enumerate().all(|(a, b)| a == *b) {
        return;
    }
    // A request's first key shares its line with `- `: nothing above it is the request's.
    let first = if in_seq {
        key_lines[0]
    } else {
        heading_start(lines, start, key_lines[0])
    };
    let last = key_lines[key_lines.len() - 1];
    // Comments and blank lines closing the whole map stay at its end.
    let block_end = attached_start(lines, last + 1, end, col);
    let mut bounds = vec![first];
    for w in key_lines.windows(2) {
        bounds.push(attached_start(lines, w[0] + 1, w[1], col));
    }
    bounds.push(block_end);
    let mut blocks: Vec<Block> = key_lines
        .iter()
        .enumerate()
        .map(|(i, key_line)| {
            let span = &lines[bounds[i]..bounds[i + 1]];
            let gap = span.iter().take_while(|l| l.trim().is_empty()).count();
            Block {
                gap,
                text: span[gap..].to_vec(),
                key: key_line - bounds[i] - gap,
            }
        })
        .collect();
    // `- name: a`: take the dash off the first key's line; put it on the new first key's.
    if in_seq && !move_dash(&mut blocks[0], col, "- ", "  ") {
        return;
    }
    let (mut new, new_first_key) = reassemble(&blocks, &sorted, block_end - first + 1);
    if in_seq && !swap_at(&mut new[new_first_key], col, "  ", "- ") {
        return;
    }
    lines.splice(first..block_end, new);
}

fn move_dash(b: &mut Block, col: usize, from: &str, to: &str) -> bool {
    swap_at(&mut b.text[b.key], col, from, to)
}

/// Replace the two characters before column `col` when they are `from`.
fn swap_at(line: &mut String, col: usize, from: &str, to: &str) -> bool {
    if col >= 2 && line.get(col - 2..col) == Some(from) {
        line.replace_range(col - 2..col, to);
        true
    } else {
        false
    }
}

/// The blocks in their new order, and the index of the new first key's line. Blank lines
/// above a key move with it, except at the top of the map: the new first key takes none,
/// and the old first key (which had none) is set apart as the others are.
fn reassemble(blocks: &[Block], sorted: &[usize], capacity: usize) -> (Vec<String>, usize) {
    let spaced = blocks.iter().any(|b| b.gap > 0);
    let mut new: Vec<String> = Vec::with_capacity(capacity);
    let mut new_first_key = 0;
    for (pos, i) in sorted.iter().enumerate() {
        let gap = match (pos, *i) {
            (0, _) => 0,
            (_, 0) => usize::from(spaced),
            _ => blocks[*i].gap,
        };
        new.extend(std::iter::repeat_n(String::new(), gap));
        if pos == 0 {
            new_first_key = new.len() + blocks[*i].key;
        }
        new.extend(blocks[*i].text.iter().cloned());
    }
    (new, new_first_key)
}

/// Where the blank and comment lines just above line `at` (none above `lo`) start belonging to
/// what follows. Comments indented deeper than `col` right below content close the value above
/// and stay with it; from the first blank line or comment at `col` or left of it on, the lines
/// go with what follows.
fn attached_start(lines: &[String], lo: usize, at: usize, col: usize) -> usize {
    let mut run = at;
    while run > lo && is_blank_or_comment(&lines[run - 1]) {
        run -= 1;
    }
    let mut bound = run;
    for (i, l) in lines.iter().enumerate().take(at).skip(run) {
        if l.trim().is_empty() || indent(l) <= col {
            break;
        }
        bound = i + 1;
    }
    bound
}

/// The first line of the comment lines directly above the first key (no blank line between):
/// they are that key's. A comment separated by a blank line is the file's heading and stays,
/// as does an editor directive (`# yaml-language-server: ...`) and everything above it.
fn heading_start(lines: &[String], lo: usize, at: usize) -> usize {
    let mut s = at;
    while s > lo && lines[s - 1].trim_start().starts_with('#') {
        let t = lines[s - 1].trim_start();
        if t.starts_with("#!")
            || t.trim_start_matches('#')
                .trim_start()
                .starts_with("yaml-language-server")
        {
            break;
        }
        s -= 1;
    }
    s
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
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

    #[test]
    fn a_comment_between_requests_stays_with_the_request_below() {
        let input = "requests:\n  - url: http://x/a\n    name: a\n\n  # b creates the thing\n  - url: http://x/b\n    method: POST\n    name: b\n";
        assert_eq!(
            format(input).unwrap(),
            "requests:\n  - name: a\n    url: http://x/a\n\n  # b creates the thing\n  - name: b\n    method: POST\n    url: http://x/b\n"
        );
    }

    #[test]
    fn comments_between_top_level_keys_move_with_the_key_below() {
        let input = "# heading\n\n# the list\nrequests:\n  - name: a\n    url: http://x/\n  # more later\n\n# shared\n# values\nvars:\n  a: 1\n  # b: 2\n\nname: demo # shown\n";
        assert_eq!(
            format(input).unwrap(),
            "# heading\n\nname: demo # shown\n\n# shared\n# values\nvars:\n  a: 1\n  # b: 2\n\n# the list\nrequests:\n  - name: a\n    url: http://x/\n  # more later\n"
        );
    }

    #[test]
    fn comments_closing_a_block_stay_at_its_end() {
        let input = "requests:\n  - url: http://x/a\n    expect:\n      status: 200\n      # body later\n    name: a\n    # done with a\n  - name: b\n    url: http://x/b\n# end\n";
        assert_eq!(
            format(input).unwrap(),
            "requests:\n  - name: a\n    url: http://x/a\n    expect:\n      status: 200\n      # body later\n    # done with a\n  - name: b\n    url: http://x/b\n# end\n"
        );
    }

    #[test]
    fn an_editor_directive_stays_at_the_top() {
        let input = "# yaml-language-server: $schema=baton.schema.json\nrequests: []\nname: demo\n";
        assert_eq!(
            format(input).unwrap(),
            "# yaml-language-server: $schema=baton.schema.json\nname: demo\nrequests: []\n"
        );
    }

    #[test]
    fn formatting_twice_changes_nothing_more() {
        let input = include_str!("../../tests/fixtures/fmt/commented.yaml");
        let once = format(input).unwrap();
        assert_ne!(once, input);
        assert_eq!(format(&once).unwrap(), once);
    }
}

//! The YAML tree read straight from the parser's events (granit-parser, the parser under
//! serde-saphyr), each node at its event's line and column: no serde, no `Spanned` wrapper
//! per value. It reads what collections are written in; whatever else a file holds (anchors
//! and aliases, tags, merge keys, keys that are not text, more than one document, a number
//! not in plain decimal digits, a syntax error) is left to serde-saphyr (`yaml::parse_full`),
//! which reads and reports it exactly as it always has. For what it does read, it gives the
//! same tree serde-saphyr gives (the tests below hold the two to each other).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle, Span};

use super::node::{Key, Kind, Node};
use crate::problem::source::Pos;

/// What to do with the items of the root map's (first) `requests` list, one by one as each
/// is read, so that a large file never holds the tree of all its requests at once.
pub trait Items {
    /// The root map's entries before `requests`: true to be given the items (the list is
    /// then empty in the tree).
    fn start(&mut self, before: &[(Key, Node)]) -> bool;
    fn item(&mut self, item: Node);
}

/// A document read.
pub enum Read {
    /// The whole tree.
    Tree(Node),
    /// The tree without the items of `requests`, which went to `Items::item`.
    Streamed(Node),
}

/// serde-saphyr's limits (`yaml::parse_full`), kept with room to spare: a document near one
/// of them is left to serde-saphyr, which says which one it breaks.
const MAX_DEPTH: usize = 60;
const MAX_NODES: usize = 40_000_000;
const MAX_EVENTS: usize = 80_000_000;
const MAX_SCALAR_BYTES: usize = 512 << 20;
const MAX_COMMENT_BYTES: usize = 32 << 20;

/// The parser set as serde-saphyr sets it for `yaml::parse_full` (its default budget's
/// parser limits), so that what one accepts the other does.
fn parser_options() -> Options {
    let mut o = Options::default();
    o.emit_comments = true;
    o.max_buffered_comment_events = 32;
    o.simple_key_max_lookahead = 1024;
    o.flow_nesting_limit = 255;
    o.block_nesting_limit = o.block_nesting_limit.max(65);
    o.strict_indentation = false;
    o
}

/// The tree of `text`, or None when serde-saphyr is to read it. `items`, if given, takes the
/// items of the root map's `requests` list.
pub fn read(text: &str, items: Option<&mut dyn Items>) -> Option<Read> {
    let apart = (text.len() >= PIPELINE_FROM).then_some(BATCH);
    read_with(text, items, apart)
}

/// `read`, parsing on a thread of its own in batches of `apart` events when given.
fn read_with(text: &str, items: Option<&mut dyn Items>, apart: Option<usize>) -> Option<Read> {
    let mut b = Builder {
        stack: Vec::new(),
        root: None,
        items,
        streamed: false,
        requests_seen: false,
        requests_next: false,
        nodes: 0,
        scalar_bytes: 0,
        numbers: HashMap::new(),
    };
    let mut feed = Feed::default();
    match apart.map(|batch| pipelined(text, batch, &mut b, &mut feed)) {
        Some(Ok(read)) => read?,
        // No thread could be started, or none was wanted: parsed here.
        Some(Err(())) | None => {
            for next in Parser::new_from_str_with_options(text, parser_options()) {
                let (event, span) = next.ok()?;
                feed.event(&mut b, event, pos_of(&span))?;
            }
        }
    }
    if !b.stack.is_empty() {
        return None;
    }
    let root = b.root?;
    Some(if b.streamed {
        Read::Streamed(root)
    } else {
        Read::Tree(root)
    })
}

/// A file of at least this many bytes (about 30 ms of parsing) is parsed on a thread of its
/// own (`pipelined`). Below it the saving is a few milliseconds, and on a machine whose
/// cores are busy each hand-over between the threads can wait for a time slice: workload C's
/// 190 KB file took 79 ms on one thread and 113 ms on two under a load average of 2.7.
const PIPELINE_FROM: usize = 1 << 20;
/// Events per batch sent from the parser's thread, and batches in flight: at most about
/// 2 MB of events wait, whatever the file's size.
const BATCH: usize = 4096;
const BATCHES_IN_FLIGHT: usize = 4;

/// An event's position, as a node's.
fn pos_of(span: &Span) -> Pos {
    Pos::new(span.start.line() as u32, span.start.col() as u32 + 1)
}

/// The parser on a thread of its own, its events reaching the reader in batches, so that
/// on a large file scanning and building the model (reading each request, checking it)
/// share two cores. Err when no thread could be started (the caller then parses here);
/// Ok(None) when the reader stopped (a syntax error, or something left to serde-saphyr):
/// the parser then stops too, at its next batch.
fn pipelined(
    text: &str,
    batch: usize,
    b: &mut Builder<'_>,
    feed: &mut Feed,
) -> Result<Option<()>, ()> {
    type Batch<'t> = Vec<Option<(Event<'t>, Pos)>>;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch<'_>>(BATCHES_IN_FLIGHT);
        let parser = std::thread::Builder::new()
            .name("yaml-parser".into())
            .spawn_scoped(scope, move || {
                let mut events = Vec::with_capacity(batch);
                for next in Parser::new_from_str_with_options(text, parser_options()) {
                    let item = next.ok().map(|(event, span)| (event, pos_of(&span)));
                    let failed = item.is_none();
                    events.push(item);
                    if failed || events.len() == batch {
                        let full = std::mem::replace(&mut events, Vec::with_capacity(batch));
                        if tx.send(full).is_err() || failed {
                            return;
                        }
                    }
                }
                let _ = tx.send(events);
            });
        if parser.is_err() {
            return Err(());
        }
        Ok(read_batches(rx, b, feed))
    })
}

/// The events of the parser's thread, in order, given to the reader; None as soon as one
/// is an error or the reader stops (the receiver is then dropped, which stops the parser).
fn read_batches<'t>(
    rx: std::sync::mpsc::Receiver<Vec<Option<(Event<'t>, Pos)>>>,
    b: &mut Builder<'_>,
    feed: &mut Feed,
) -> Option<()> {
    for batch in rx {
        for item in batch {
            let (event, pos) = item?;
            feed.event(b, event, pos)?;
        }
    }
    Some(())
}

/// The counts kept over a document's events, against serde-saphyr's limits.
#[derive(Default)]
struct Feed {
    events: usize,
    comment_bytes: usize,
    documents: usize,
}

impl Feed {
    /// One event given to the tree; None when the document is left to serde-saphyr.
    fn event(&mut self, b: &mut Builder<'_>, event: Event<'_>, pos: Pos) -> Option<()> {
        self.events += 1;
        if self.events > MAX_EVENTS {
            return None;
        }
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(_, version) => {
                self.documents += 1;
                if self.documents > 1 || version.is_some() {
                    return None;
                }
            }
            Event::Comment(c, _) => {
                self.comment_bytes += c.len();
                if self.comment_bytes > MAX_COMMENT_BYTES {
                    return None;
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                b.scalar(value, style, pos)?;
            }
            Event::SequenceStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                b.open(false, pos)?;
            }
            Event::MappingStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                b.open(true, pos)?;
            }
            Event::SequenceEnd | Event::MappingEnd => b.close()?,
            _ => return None,
        }
        Some(())
    }
}

enum Frame {
    Seq {
        pos: Pos,
        items: Vec<Node>,
        /// The items go to `Items::item`.
        streaming: bool,
    },
    Map {
        pos: Pos,
        entries: Vec<(Key, Node)>,
        /// The key whose value comes next.
        key: Option<Key>,
    },
}

struct Builder<'a> {
    stack: Vec<Frame>,
    root: Option<Node>,
    items: Option<&'a mut dyn Items>,
    streamed: bool,
    /// The root map's first `requests` key has been read (only its list is streamed).
    requests_seen: bool,
    /// Its value comes next.
    requests_next: bool,
    nodes: usize,
    scalar_bytes: usize,
    /// Plain scalars serde-saphyr read for us (numbers other than decimal integers).
    numbers: HashMap<String, Kind>,
}

impl Builder<'_> {
    fn count(&mut self, bytes: usize) -> Option<()> {
        self.nodes += 1;
        self.scalar_bytes += bytes;
        (self.nodes <= MAX_NODES && self.scalar_bytes <= MAX_SCALAR_BYTES).then_some(())
    }

    fn scalar(&mut self, value: Cow<'_, str>, style: ScalarStyle, pos: Pos) -> Option<()> {
        self.count(value.len())?;
        let at_root = self.stack.len() == 1;
        if let Some(Frame::Map {
            key: key @ None, ..
        }) = self.stack.last_mut()
        {
            let name = key_text(value, style)?;
            if at_root && !self.requests_seen && name == "requests" {
                self.requests_seen = true;
                self.requests_next = true;
            }
            *key = Some(Key { name, pos });
            return Some(());
        }
        let kind = if style == ScalarStyle::Plain {
            match plain(&value) {
                Plain::Is(kind) => kind,
                Plain::Text => Kind::Str(value.into_owned()),
                Plain::Unsure => self.number(&value)?,
            }
        } else {
            Kind::Str(value.into_owned())
        };
        self.attach(Node { kind, pos })
    }

    /// A plain scalar that may be a number of a form other than decimal digits: read by
    /// serde-saphyr as the value of a one-line map (once per spelling).
    fn number(&mut self, text: &str) -> Option<Kind> {
        if let Some(k) = self.numbers.get(text) {
            return Some(k.clone());
        }
        let one_line = !text.contains(['\n', '\r', '\t']) && !text.contains(" #");
        if !one_line || text.contains(": ") || text.ends_with(':') {
            return None;
        }
        let node = super::saphyr::parse_full(&format!("v: {text}")).ok()?;
        let kind = match node.kind {
            Kind::Map(mut entries) if entries.len() == 1 && entries[0].0.name == "v" => {
                entries.pop()?.1.kind
            }
            _ => return None,
        };
        if matches!(kind, Kind::Map(_) | Kind::Seq(_)) {
            return None;
        }
        self.numbers.insert(text.to_string(), kind.clone());
        Some(kind)
    }

    fn open(&mut self, map: bool, pos: Pos) -> Option<()> {
        self.count(0)?;
        if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
            return None; // a map or list as a key
        }
        if self.stack.len() >= MAX_DEPTH {
            return None;
        }
        let frame = if map {
            Frame::Map {
                pos,
                entries: Vec::new(),
                key: None,
            }
        } else {
            let mut streaming = false;
            if self.stack.len() == 1 && self.requests_next {
                if let (Some(items), Some(Frame::Map { entries, .. })) =
                    (self.items.as_deref_mut(), self.stack.first())
                {
                    streaming = items.start(entries);
                }
                self.streamed |= streaming;
            }
            Frame::Seq {
                pos,
                items: Vec::new(),
                streaming,
            }
        };
        self.requests_next = false;
        self.stack.push(frame);
        Some(())
    }

    fn close(&mut self) -> Option<()> {
        let node = match self.stack.pop()? {
            Frame::Seq { pos, items, .. } => Node {
                kind: Kind::Seq(items),
                pos,
            },
            Frame::Map { pos, entries, key } => {
                if key.is_some() {
                    return None;
                }
                Node {
                    kind: Kind::Map(entries),
                    pos,
                }
            }
        };
        self.attach(node)
    }

    fn attach(&mut self, node: Node) -> Option<()> {
        if self.stack.len() == 1 {
            self.requests_next = false;
        }
        match self.stack.last_mut() {
            None if self.root.is_none() => self.root = Some(node),
            None => return None,
            Some(Frame::Seq {
                streaming: true, ..
            }) => {
                if let Some(items) = self.items.as_deref_mut() {
                    items.item(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => entries.push((key.take()?, node)),
        }
        Some(())
    }
}

enum Plain {
    Is(Kind),
    /// Text whatever its spelling.
    Text,
    /// Possibly a number that is not plain decimal digits: serde-saphyr decides.
    Unsure,
}

/// What a plain scalar is, as serde-saphyr reads it for an untyped value (YAML 1.2 core
/// schema with its strict booleans).
fn plain(s: &str) -> Plain {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Is(Kind::Null),
        "true" | "True" | "TRUE" => return Plain::Is(Kind::Bool(true)),
        "false" | "False" | "FALSE" => return Plain::Is(Kind::Bool(false)),
        _ => {}
    }
    // Only a scalar that starts like a number (a sign, a dot or a digit) can be one.
    if !matches!(s.as_bytes()[0], b'0'..=b'9' | b'-' | b'+' | b'.') {
        return Plain::Text;
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let decimal = (1..=18).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    match s.parse::<i64>() {
        Ok(i) if decimal => Plain::Is(Kind::Int(i)),
        _ if s == "0" => Plain::Is(Kind::Int(0)),
        _ => Plain::Unsure,
    }
}

/// A key as text, when serde-saphyr would read it as text: quoted, or plain and neither
/// null, a boolean, a number nor a merge key (`<<`).
fn key_text(value: Cow<'_, str>, style: ScalarStyle) -> Option<String> {
    if style != ScalarStyle::Plain {
        return Some(value.into_owned());
    }
    match plain(&value) {
        Plain::Text if value != "<<" => Some(value.into_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

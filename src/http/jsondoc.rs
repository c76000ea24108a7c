//! A response body parsed as JSON in a compact form for JSONPath: strings are offsets into
//! the body (unless they hold escapes), objects are lists of pairs with no hash index. A
//! fifth of a `serde_json::Value`'s memory for a list of small objects; a selected node
//! becomes a `serde_json::Value` only when a check needs its value.
//!
//! It is read by the same `serde_json` parser as `Value`, with a visitor that mirrors
//! `Value`'s: the same bodies are JSON, the same numbers, and a repeated key keeps its first
//! place and its last value, as in `Value`'s insertion-ordered map.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value as Json};

/// A JSON value whose strings point into the body it was parsed from.
#[derive(Debug)]
pub enum Node {
    Null,
    Bool(bool),
    Num(Number),
    Str(Text),
    Arr(Box<[Node]>),
    Obj(Box<[(Text, Node)]>),
}

/// A string: `At(start, len)` in the body, or its own text when it held escapes.
#[derive(Debug)]
pub enum Text {
    At(u32, u32),
    Own(Box<str>),
}

/// The key `serde_json` reserves for raw values: `Value` reads it specially, so a body with
/// it is left to `Value`.
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// Objects with more keys than this find a repeated key through a hash index.
const SCAN_LIMIT: usize = 32;

/// Parse `body` as JSON; `None` when it is not JSON (as `serde_json::from_slice` decides) or
/// too large for 32-bit offsets.
pub fn parse(body: &[u8]) -> Option<Node> {
    if u32::try_from(body.len()).is_err() {
        return None;
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let scratch = Scratch::default();
    let seed = Seed {
        base: body,
        scratch: &scratch,
    };
    let node = seed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(node)
}

/// A node with the body its strings point into.
#[derive(Clone, Copy, Debug)]
pub struct NodeRef<'a> {
    pub body: &'a [u8],
    pub node: &'a Node,
}

impl<'a> NodeRef<'a> {
    fn at(&self, node: &'a Node) -> NodeRef<'a> {
        NodeRef {
            body: self.body,
            node,
        }
    }

    /// The text of a string in this body.
    pub fn text(&self, t: &'a Text) -> &'a str {
        match t {
            Text::Own(s) => s,
            Text::At(start, len) => {
                let (start, len) = (*start as usize, *len as usize);
                self.body
                    .get(start..start + len)
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .unwrap_or_default()
            }
        }
    }

    /// The member of an object by name.
    pub fn get(&self, name: &str) -> Option<NodeRef<'a>> {
        match self.node {
            Node::Obj(pairs) => pairs
                .iter()
                .find(|(k, _)| self.text(k) == name)
                .map(|(_, v)| self.at(v)),
            _ => None,
        }
    }

    /// The item of an array at `i`; a negative `i` counts from the end.
    pub fn index(&self, i: i64) -> Option<NodeRef<'a>> {
        let Node::Arr(items) = self.node else {
            return None;
        };
        let i = if i < 0 {
            items
                .len()
                .checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
        } else {
            usize::try_from(i).ok()?
        };
        items.get(i).map(|v| self.at(v))
    }

    /// The items of an array or the member values of an object, in order; none otherwise.
    pub fn children(&self) -> impl Iterator<Item = NodeRef<'a>> + 'a {
        let (items, pairs): (&'a [Node], &'a [(Text, Node)]) = match self.node {
            Node::Arr(items) => (items, &[]),
            Node::Obj(pairs) => (&[], pairs),
            _ => (&[], &[]),
        };
        let body = self.body;
        let at = move |node| NodeRef { body, node };
        items.iter().chain(pairs.iter().map(|(_, v)| v)).map(at)
    }

    /// Items of an array, members of an object; `None` for anything else.
    pub fn container_len(&self) -> Option<usize> {
        match self.node {
            Node::Arr(items) => Some(items.len()),
            Node::Obj(pairs) => Some(pairs.len()),
            _ => None,
        }
    }

    /// The node as a `serde_json::Value`, as `serde_json::from_slice` would have made it.
    pub fn to_json(&self) -> Json {
        match self.node {
            Node::Null => Json::Null,
            Node::Bool(b) => Json::Bool(*b),
            Node::Num(n) => Json::Number(n.clone()),
            Node::Str(t) => Json::String(self.text(t).to_string()),
            Node::Arr(items) => Json::Array(items.iter().map(|v| self.at(v).to_json()).collect()),
            Node::Obj(pairs) => {
                let mut map = Map::with_capacity(pairs.len());
                for (k, v) in pairs.iter() {
                    map.insert(self.text(k).to_string(), self.at(v).to_json());
                }
                Json::Object(map)
            }
        }
    }
}

/// Reads one value; strings borrowed from the input become offsets from `base`.
#[derive(Clone, Copy)]
struct Seed<'de, 's> {
    base: &'de [u8],
    scratch: &'s Scratch<'de>,
}

/// The items and pairs of the containers being read, one stack each for the whole parse: a
/// container's own list is allocated once, at its size, when it closes (no growth, no
/// shrinking, which would leave a large body's heap in pieces).
#[derive(Default)]
struct Scratch<'de> {
    items: RefCell<Vec<Node>>,
    pairs: RefCell<Vec<(Cow<'de, str>, Node)>>,
}

impl<'de> Seed<'de, '_> {
    fn text(&self, s: Cow<'de, str>) -> Text {
        match s {
            Cow::Borrowed(b) => {
                let start = (b.as_ptr() as usize).wrapping_sub(self.base.as_ptr() as usize);
                match (u32::try_from(start), u32::try_from(b.len())) {
                    (Ok(start), Ok(len)) if start as usize + b.len() <= self.base.len() => {
                        Text::At(start, len)
                    }
                    _ => Text::Own(b.into()),
                }
            }
            Cow::Owned(o) => Text::Own(o.into_boxed_str()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'de, '_> {
    type Value = Node;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'de, '_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Node, E> {
        Ok(Node::Num(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Node, E> {
        Ok(Node::Num(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Node, E> {
        Ok(Number::from_f64(n).map_or(Node::Null, Node::Num))
    }
    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Node::Str(Text::Own(s.into())))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Node, E> {
        Ok(Node::Str(self.text(Cow::Borrowed(s))))
    }
    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::Str(Text::Own(s.into_boxed_str())))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let start = self.scratch.items.borrow().len();
        while let Some(v) = seq.next_element_seed(self)? {
            self.scratch.items.borrow_mut().push(v);
        }
        let items: Box<[Node]> = self.scratch.items.borrow_mut().drain(start..).collect();
        Ok(Node::Arr(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let start = self.scratch.pairs.borrow().len();
        // Places by key, once an object is too large to scan for a repeated key.
        let mut places: HashMap<Cow<'de, str>, usize> = HashMap::new();
        while let Some(k) = map.next_key_seed(KeySeed)? {
            if k == RAW_TOKEN {
                return Err(de::Error::custom("reserved key"));
            }
            let v = map.next_value_seed(self)?;
            let mut all = self.scratch.pairs.borrow_mut();
            let pairs = &mut all[start..];
            let n = pairs.len();
            if n == SCAN_LIMIT {
                places.extend(pairs.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)));
            }
            // As `Value`'s map: a repeated key keeps its place and takes the new value.
            let seen = if n < SCAN_LIMIT {
                pairs.iter().position(|(old, _)| *old == k)
            } else {
                places.get(&k).copied()
            };
            match seen {
                Some(i) => pairs[i].1 = v,
                None => {
                    if n >= SCAN_LIMIT {
                        places.insert(k.clone(), n);
                    }
                    all.push((k, v));
                }
            }
        }
        let mut all = self.scratch.pairs.borrow_mut();
        let pairs: Box<[(Text, Node)]> =
            all.drain(start..).map(|(k, v)| (self.text(k), v)).collect();
        Ok(Node::Obj(pairs))
    }
}

/// Reads an object's key, borrowed when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_string()))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_value(text: &str) {
        let full: Option<Json> = serde_json::from_slice(text.as_bytes()).ok();
        let doc = parse(text.as_bytes());
        let compact = doc.as_ref().map(|node| {
            NodeRef {
                body: text.as_bytes(),
                node,
            }
            .to_json()
        });
        assert_eq!(compact, full, "{text}");
        if let (Some(a), Some(b)) = (&compact, &full) {
            // Key order too, not only equality.
            assert_eq!(a.to_string(), b.to_string(), "{text}");
        }
    }

    #[test]
    fn reads_what_value_reads() {
        for text in [
            r#"{"b":1,"a":[true,false,null,-2,3.5,1e400,"x\"y","é"],"c":{}}"#,
            r#" [ {"k":1,"j":2,"k":3} ] "#,
            r#"{"\u0041":"\ud83d\ude00","n":18446744073709551615,"m":-9223372036854775808}"#,
            "[1,2,]",
            "{\"a\":1} x",
            "\"\\ud800\"",
            "",
            "nul",
            "[[[[[[[[[]]]]]]]]]",
        ] {
            same_as_value(text);
        }
        let many: Vec<String> = (0..100).map(|i| format!("\"k{}\":{i}", i % 70)).collect();
        same_as_value(&format!("{{{}}}", many.join(",")));
    }

    #[test]
    fn lookups() {
        let text = br#"{"a":[10,20,30],"b":{"c":"d"}}"#;
        let doc = parse(text).unwrap();
        let root = NodeRef {
            body: text,
            node: &doc,
        };
        let a = root.get("a").unwrap();
        assert_eq!(a.index(-1).unwrap().to_json(), Json::from(30));
        assert!(a.index(-4).is_none() && a.index(3).is_none());
        assert_eq!(a.container_len(), Some(3));
        assert_eq!(root.children().count(), 2);
        assert_eq!(root.get("b").unwrap().get("c").unwrap().to_json(), "d");
    }
}

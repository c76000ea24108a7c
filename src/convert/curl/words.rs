//! Shell text into commands and words, as a POSIX shell splits them, with shell
//! variables marked so they become templates.

use super::super::ImportError;

/// Stand for a shell variable inside a word (`\u{E000}name\u{E001}`) while the command is taken
/// apart, so that `${name}` written in single quotes (plain text) stays apart from a variable.
pub(super) const VAR_OPEN: char = '\u{E000}';
pub(super) const VAR_CLOSE: char = '\u{E001}';

/// One command of the input: its words, the line it starts on, and the comment lines just
/// above it (after the last blank line).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Command {
    pub(super) line: usize,
    pub(super) words: Vec<String>,
    pub(super) comments: Vec<String>,
}

/// Splits shell text into commands and words the way a POSIX shell does, without running
/// anything: quotes, backslashes, `\` line continuations, `$'...'` strings, comments, and
/// `;`, `&&`, `||` and newlines between commands. Shell variables become `VAR_OPEN name
/// VAR_CLOSE` where the shell would expand them (unquoted or in double quotes).
pub(super) fn script(text: &str) -> Result<Vec<Command>, ImportError> {
    let mut s = Splitter {
        chars: text.chars().peekable(),
        out: Vec::new(),
        cur: Command::default(),
        word: None,
        paragraph: Vec::new(),
        line: 1,
        line_used: false,
    };
    while let Some(c) = s.chars.next() {
        s.step(c)?;
    }
    s.end_word();
    s.end_command();
    Ok(s.out)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Where `script` is in the text, and what it has gathered so far.
struct Splitter<'a> {
    chars: Chars<'a>,
    out: Vec<Command>,
    /// The command being read, and the word being read (none between words).
    cur: Command,
    word: Option<String>,
    /// Comment lines since the last blank line: the next command's name and notes.
    paragraph: Vec<String>,
    line: usize,
    /// Whether the line holds anything yet: a blank line ends a comment paragraph.
    line_used: bool,
}

impl Splitter<'_> {
    /// Reads one character (and what belongs to it: a quoted string, a comment...).
    fn step(&mut self, c: char) -> Result<(), ImportError> {
        match c {
            '\\' if matches!(self.chars.peek(), Some('\n' | '\r')) => self.continuation(),
            ' ' | '\t' | '\r' => self.end_word(),
            '\n' => self.newline(),
            // An unquoted `&` or `|` inside a word (`?a=1&b=2`) is what the user meant to send.
            '&' | '|'
                if self.word.is_some()
                    && self
                        .chars
                        .peek()
                        .is_some_and(|n| !n.is_whitespace() && *n != c) =>
            {
                if let Some(w) = self.word.as_mut() {
                    w.push(c);
                }
            }
            ';' | '&' | '|' => self.separator(c)?,
            '#' if self.word.is_none() => self.comment(),
            _ => self.word_part(c)?,
        }
        Ok(())
    }

    /// A `\` line continuation (`\` then `\n` or `\r\n`): the command goes on.
    fn continuation(&mut self) {
        if self.chars.next() == Some('\r') {
            self.chars.next_if_eq(&'\n');
        }
        self.line += 1;
    }

    fn newline(&mut self) {
        self.end_word();
        self.end_command();
        if !self.line_used {
            self.paragraph.clear();
        }
        self.line += 1;
        self.line_used = false;
    }

    /// `;`, `&&` or `||` between commands; a single `|` (a pipe) is refused.
    fn separator(&mut self, c: char) -> Result<(), ImportError> {
        self.end_word();
        self.line_used = true;
        let pair = self.chars.next_if_eq(&c).is_some();
        if c == '|' && !pair {
            return Err(ImportError::CurlSyntax(format!(
                "line {}: a pipe (`|`) sends curl's output to another program; import the curl command alone",
                self.line
            )));
        }
        self.end_command();
        Ok(())
    }

    /// A comment up to the end of the line; above a command (and not `#!`) it is kept.
    fn comment(&mut self) {
        let comment: String = std::iter::from_fn(|| self.chars.next_if(|c| *c != '\n')).collect();
        if self.cur.words.is_empty() && !comment.starts_with('!') {
            let text = comment.strip_prefix(' ').unwrap_or(&comment).trim_end();
            self.paragraph.push(text.to_string());
        }
        self.line_used = true;
    }

    /// A character of a word, or the start of a quoted string or `$` in it.
    fn word_part(&mut self, c: char) -> Result<(), ImportError> {
        self.line_used = true;
        if self.cur.words.is_empty() && self.word.is_none() {
            self.cur.line = self.line;
            self.cur.comments = std::mem::take(&mut self.paragraph);
        }
        let w = self.word.get_or_insert_with(String::new);
        match c {
            '\\' => {
                if let Some(n) = self.chars.next() {
                    w.push(n);
                }
            }
            '\'' => single_quoted(&mut self.chars, w, &mut self.line)?,
            '"' => double_quoted(&mut self.chars, w, &mut self.line)?,
            '$' => dollar(&mut self.chars, w, false, &mut self.line)?,
            '`' => return Err(substitution(self.line)),
            _ => w.push(c),
        }
        Ok(())
    }

    fn end_word(&mut self) {
        if let Some(w) = self.word.take() {
            self.cur.words.push(w);
        }
    }

    fn end_command(&mut self) {
        if !self.cur.words.is_empty() {
            self.out.push(std::mem::take(&mut self.cur));
        }
    }
}

/// The rest of a `'...'` string: everything as written.
fn single_quoted(
    chars: &mut Chars<'_>,
    w: &mut String,
    line: &mut usize,
) -> Result<(), ImportError> {
    let start = *line;
    loop {
        match chars.next() {
            Some('\'') => return Ok(()),
            Some(ch) => {
                if ch == '\n' {
                    *line += 1;
                }
                w.push(ch);
            }
            None => return Err(unclosed('\'', start)),
        }
    }
}

/// The rest of a `"..."` string: `\` escapes only `$`, `` ` ``, `"`, `\` and a newline;
/// variables expand.
fn double_quoted(
    chars: &mut Chars<'_>,
    w: &mut String,
    line: &mut usize,
) -> Result<(), ImportError> {
    let start = *line;
    loop {
        match chars.next() {
            Some('"') => return Ok(()),
            Some('\\') => match chars.next() {
                Some('\n') => *line += 1,
                Some(ch @ ('$' | '`' | '"' | '\\')) => w.push(ch),
                Some(ch) => {
                    w.push('\\');
                    w.push(ch);
                }
                None => return Err(unclosed('"', start)),
            },
            Some('$') => dollar(chars, w, true, line)?,
            Some('`') => return Err(substitution(*line)),
            Some(ch) => {
                if ch == '\n' {
                    *line += 1;
                }
                w.push(ch);
            }
            None => return Err(unclosed('"', start)),
        }
    }
}

pub(super) fn unclosed(quote: char, line: usize) -> ImportError {
    ImportError::CurlSyntax(format!(
        "the quote {quote} opened on line {line} is not closed"
    ))
}

pub(super) fn substitution(line: usize) -> ImportError {
    ImportError::CurlSyntax(format!(
        "line {line}: command substitution is not supported; paste the value, or use a variable (`${{name}}`)"
    ))
}

/// After a `$`: a variable (`${name}`, `$name`), a `$'...'` string (outside double quotes),
/// or a plain `$`.
pub(super) fn dollar(
    chars: &mut Chars<'_>,
    w: &mut String,
    quoted: bool,
    line: &mut usize,
) -> Result<(), ImportError> {
    let line_now = *line;
    match chars.peek() {
        Some('{') => {
            chars.next();
            let inner: String = std::iter::from_fn(|| chars.next_if(|c| *c != '}')).collect();
            if chars.next() != Some('}') {
                return Err(unclosed('{', line_now));
            }
            if !is_shell_name(&inner) {
                return Err(ImportError::CurlSyntax(format!(
                    "line {line_now}: the shell expansion `${{{inner}}}` is not supported; write `${{name}}` (it becomes the template `{{{{ name }}}}`)"
                )));
            }
            w.push(VAR_OPEN);
            w.push_str(&inner);
            w.push(VAR_CLOSE);
        }
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            let name: String =
                std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_'))
                    .collect();
            w.push(VAR_OPEN);
            w.push_str(&name);
            w.push(VAR_CLOSE);
        }
        Some('(') => return Err(substitution(line_now)),
        Some('\'') if !quoted => {
            chars.next();
            ansi_c(chars, w, line)?;
        }
        _ => w.push('$'),
    }
    Ok(())
}

pub(super) fn is_shell_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The rest of a `$'...'` string (as browsers' "Copy as cURL" write bodies), escapes decoded.
pub(super) fn ansi_c(
    chars: &mut Chars<'_>,
    w: &mut String,
    line: &mut usize,
) -> Result<(), ImportError> {
    let start = *line;
    let mut bytes: Vec<u8> = Vec::new();
    let push = |bytes: &mut Vec<u8>, c: char| {
        let mut b = [0; 4];
        bytes.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    };
    loop {
        match chars.next() {
            None => return Err(unclosed('\'', start)),
            Some('\'') => break,
            Some('\\') => {
                let Some(e) = chars.next() else {
                    return Err(unclosed('\'', start));
                };
                let simple = match e {
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    'r' => Some('\r'),
                    'a' => Some('\x07'),
                    'b' => Some('\x08'),
                    'e' | 'E' => Some('\x1b'),
                    'f' => Some('\x0c'),
                    'v' => Some('\x0b'),
                    '\\' | '\'' | '"' | '?' => Some(e),
                    _ => None,
                };
                if let Some(s) = simple {
                    push(&mut bytes, s);
                    continue;
                }
                let (radix, max) = match e {
                    'x' => (16, 2),
                    'u' => (16, 4),
                    'U' => (16, 8),
                    '0'..='7' => (8, 3),
                    _ => {
                        push(&mut bytes, '\\');
                        push(&mut bytes, e);
                        continue;
                    }
                };
                let mut digits = String::new();
                if radix == 8 {
                    digits.push(e);
                }
                while digits.len() < max
                    && let Some(d) = chars.next_if(|c| c.is_digit(radix))
                {
                    digits.push(d);
                }
                let n = u32::from_str_radix(&digits, radix).unwrap_or(0);
                match e {
                    'u' | 'U' => push(&mut bytes, char::from_u32(n).unwrap_or('\u{FFFD}')),
                    _ => bytes.push(n as u8),
                }
            }
            Some(c) => {
                if c == '\n' {
                    *line += 1;
                }
                push(&mut bytes, c)
            }
        }
    }
    w.push_str(&String::from_utf8_lossy(&bytes));
    Ok(())
}

/// `VAR_OPEN name VAR_CLOSE` back to the shell's `${name}`, for text that is not a template.
pub(super) fn lit(s: &str) -> String {
    if !s.contains(VAR_OPEN) {
        return s.to_string();
    }
    s.replace(VAR_OPEN, "${").replace(VAR_CLOSE, "}")
}

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
    let mut out: Vec<Command> = Vec::new();
    let mut cur = Command::default();
    let mut word: Option<String> = None;
    let mut paragraph: Vec<String> = Vec::new();
    let mut line = 1;
    let mut line_used = false;
    let mut chars = text.chars().peekable();
    let end_word = |cur: &mut Command, word: &mut Option<String>| {
        if let Some(w) = word.take() {
            cur.words.push(w);
        }
    };
    let end_command = |cur: &mut Command, out: &mut Vec<Command>| {
        if !cur.words.is_empty() {
            out.push(std::mem::take(cur));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('\n')) => {
                chars.next();
                line += 1;
            }
            '\\' if matches!(chars.peek(), Some('\r')) => {
                chars.next();
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
            }
            ' ' | '\t' | '\r' => end_word(&mut cur, &mut word),
            '\n' => {
                end_word(&mut cur, &mut word);
                end_command(&mut cur, &mut out);
                if !line_used {
                    paragraph.clear();
                }
                line += 1;
                line_used = false;
            }
            // An unquoted `&` or `|` inside a word (`?a=1&b=2`) is what the user meant to send.
            '&' | '|'
                if word.is_some()
                    && chars.peek().is_some_and(|n| !n.is_whitespace() && *n != c) =>
            {
                if let Some(w) = word.as_mut() {
                    w.push(c);
                }
            }
            ';' | '&' | '|' => {
                end_word(&mut cur, &mut word);
                line_used = true;
                let pair = chars.peek() == Some(&c);
                if pair {
                    chars.next();
                }
                if c == '|' && !pair {
                    return Err(ImportError::CurlSyntax(format!(
                        "line {line}: a pipe (`|`) sends curl's output to another program; import the curl command alone"
                    )));
                }
                end_command(&mut cur, &mut out);
            }
            '#' if word.is_none() => {
                let comment: String =
                    std::iter::from_fn(|| chars.next_if(|c| *c != '\n')).collect();
                if cur.words.is_empty() && !comment.starts_with('!') {
                    paragraph.push(
                        comment
                            .strip_prefix(' ')
                            .unwrap_or(&comment)
                            .trim_end()
                            .to_string(),
                    );
                }
                line_used = true;
            }
            _ => {
                line_used = true;
                if cur.words.is_empty() && word.is_none() {
                    cur.line = line;
                    cur.comments = std::mem::take(&mut paragraph);
                }
                let w = word.get_or_insert_with(String::new);
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            w.push(n);
                        }
                    }
                    '\'' => {
                        let start = line;
                        loop {
                            match chars.next() {
                                Some('\'') => break,
                                Some(ch) => {
                                    if ch == '\n' {
                                        line += 1;
                                    }
                                    w.push(ch);
                                }
                                None => return Err(unclosed('\'', start)),
                            }
                        }
                    }
                    '"' => {
                        let start = line;
                        loop {
                            match chars.next() {
                                Some('"') => break,
                                Some('\\') => match chars.next() {
                                    Some('\n') => line += 1,
                                    Some(ch @ ('$' | '`' | '"' | '\\')) => w.push(ch),
                                    Some(ch) => {
                                        w.push('\\');
                                        w.push(ch);
                                    }
                                    None => return Err(unclosed('"', start)),
                                },
                                Some('$') => dollar(&mut chars, w, true, &mut line)?,
                                Some('`') => return Err(substitution(line)),
                                Some(ch) => {
                                    if ch == '\n' {
                                        line += 1;
                                    }
                                    w.push(ch);
                                }
                                None => return Err(unclosed('"', start)),
                            }
                        }
                    }
                    '$' => dollar(&mut chars, w, false, &mut line)?,
                    '`' => return Err(substitution(line)),
                    _ => w.push(c),
                }
            }
        }
    }
    end_word(&mut cur, &mut word);
    end_command(&mut cur, &mut out);
    Ok(out)
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
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
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
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
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

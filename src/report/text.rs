//! Text from outside (a server, a file, a captured value) as it may go to a terminal line:
//! control characters escaped, a line feed shown as `\n`. The terminal report and GitHub
//! annotations both write through it.

/// Text from a server or a file as it may go to a terminal: control characters (an escape
/// sequence could retitle the window or overwrite a line) are shown escaped, `\u{1b}`.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text for one line of the report: as `printable`, and a line feed shown as `\n`, so text
/// from outside (a captured value sent in a header) never starts a line of its own.
pub fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    match printable(s) {
        std::borrow::Cow::Borrowed(b) if !b.contains('\n') => std::borrow::Cow::Borrowed(b),
        p => std::borrow::Cow::Owned(p.replace('\n', "\\n")),
    }
}

//! A small Python highlighter for the lesson listings: keywords, builtins, strings (with
//! prefixes and triple quotes), numbers, comments, decorators, definitions and calls, and
//! the `{{key}}` slots where a lesson's parameters stand (found anywhere, even inside a
//! string or a comment).

use crate::dom::escape;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Plain,
    Keyword,
    Builtin,
    Const,
    SelfWord,
    Str,
    Num,
    Comment,
    Def,
    Call,
    Decorator,
    Op,
}

impl Class {
    fn css(self) -> Option<&'static str> {
        Some(match self {
            Class::Plain => return None,
            Class::Keyword => "kw",
            Class::Builtin => "bi",
            Class::Const => "co",
            Class::SelfWord => "sf",
            Class::Str => "st",
            Class::Num => "nu",
            Class::Comment => "cm",
            Class::Def => "df",
            Class::Call => "ca",
            Class::Decorator => "de",
            Class::Op => "op",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Tok(Class, String),
    /// A parameter's `{{key}}`, with the class of the code around it.
    Slot(String, Class),
}

const KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except",
    "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
    "return", "try", "while", "with", "yield", "match", "case",
];
const BUILTINS: &[&str] = &[
    "print",
    "range",
    "len",
    "int",
    "str",
    "float",
    "bool",
    "list",
    "dict",
    "set",
    "tuple",
    "enumerate",
    "zip",
    "sum",
    "min",
    "max",
    "abs",
    "isinstance",
    "super",
    "object",
    "type",
    "open",
    "iter",
    "next",
    "map",
    "filter",
    "sorted",
    "reversed",
    "any",
    "all",
    "id",
    "repr",
    "input",
    "round",
    "divmod",
    "pow",
    "hash",
    "getattr",
    "setattr",
    "hasattr",
    "Exception",
    "RuntimeError",
    "ValueError",
    "TimeoutError",
    "KeyError",
    "AttributeError",
    "BrokenPipeError",
    "EOFError",
    "StopIteration",
    "GeneratorExit",
    "KeyboardInterrupt",
    "__name__",
    "__main__",
];

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}
fn is_ident(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

struct Scanner {
    s: Vec<char>,
    i: usize,
    out: Vec<Piece>,
}

impl Scanner {
    fn push(&mut self, class: Class, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Piece::Tok(c, t)) = self.out.last_mut() {
            if *c == class {
                t.push_str(text);
                return;
            }
        }
        self.out.push(Piece::Tok(class, text.to_owned()));
    }

    fn text(&self, a: usize, b: usize) -> String {
        self.s[a..b].iter().collect()
    }

    /// A `{{key}}` at `i`: its key and the index after it.
    fn slot_at(&self, i: usize) -> Option<(String, usize)> {
        if self.s.get(i) != Some(&'{') || self.s.get(i + 1) != Some(&'{') {
            return None;
        }
        let mut j = i + 2;
        while j < self.s.len() && is_ident(self.s[j]) {
            j += 1;
        }
        if j > i + 2 && self.s.get(j) == Some(&'}') && self.s.get(j + 1) == Some(&'}') {
            Some((self.text(i + 2, j), j + 2))
        } else {
            None
        }
    }

    /// Consumes text of `class` until `stop` says so, breaking out for slots.
    fn run_until(&mut self, class: Class, mut stop: impl FnMut(&Scanner, usize) -> Option<usize>) {
        let mut start = self.i;
        while self.i < self.s.len() {
            if let Some((key, next)) = self.slot_at(self.i) {
                let t = self.text(start, self.i);
                self.push(class, &t);
                self.out.push(Piece::Slot(key, class));
                self.i = next;
                start = next;
                continue;
            }
            if let Some(end) = stop(self, self.i) {
                self.i = end;
                let t = self.text(start, self.i);
                self.push(class, &t);
                return;
            }
            self.i += 1;
        }
        let t = self.text(start, self.i);
        self.push(class, &t);
    }

    fn last_word(&self) -> Option<&str> {
        for p in self.out.iter().rev() {
            match p {
                Piece::Tok(Class::Plain, t) if t.trim().is_empty() => continue,
                Piece::Tok(_, t) => return Some(t.as_str()),
                Piece::Slot(..) => return None,
            }
        }
        None
    }

    fn at_line_start(&self) -> bool {
        let mut j = self.i;
        while j > 0 {
            j -= 1;
            match self.s[j] {
                '\n' => return true,
                ' ' | '\t' => continue,
                _ => return false,
            }
        }
        true
    }
}

/// Splits a listing into highlighted pieces and slots.
pub fn tokenize(src: &str) -> Vec<Piece> {
    let mut sc = Scanner { s: src.chars().collect(), i: 0, out: Vec::new() };
    while sc.i < sc.s.len() {
        let i = sc.i;
        let c = sc.s[i];
        if let Some((key, next)) = sc.slot_at(i) {
            sc.out.push(Piece::Slot(key, Class::Plain));
            sc.i = next;
            continue;
        }
        if c == '#' {
            sc.run_until(Class::Comment, |s, j| (s.s[j] == '\n').then_some(j));
            continue;
        }
        // A string, with its prefix (r, b, f, u, rb, fr...).
        let mut p = i;
        while p < sc.s.len() && p - i < 2 && "rRbBfFuU".contains(sc.s[p]) {
            p += 1;
        }
        if p < sc.s.len()
            && (sc.s[p] == '"' || sc.s[p] == '\'')
            && (p == i || !sc.s.get(i.wrapping_sub(1)).is_some_and(|c| is_ident(*c)))
        {
            let q = sc.s[p];
            let triple = sc.s.get(p + 1) == Some(&q) && sc.s.get(p + 2) == Some(&q);
            let open = if triple { 3 } else { 1 };
            // Emit the prefix and opening quotes, then the body up to the closing quotes.
            let head = sc.text(i, p + open);
            sc.push(Class::Str, &head);
            sc.i = p + open;
            sc.run_until(Class::Str, |s, j| {
                let ch = s.s[j];
                if ch == '\\' {
                    return None;
                }
                if j > 0 && s.s[j - 1] == '\\' && !(j > 1 && s.s[j - 2] == '\\') {
                    return None;
                }
                if triple {
                    (ch == q && s.s.get(j + 1) == Some(&q) && s.s.get(j + 2) == Some(&q)).then_some(j + 3)
                } else if ch == q {
                    Some(j + 1)
                } else if ch == '\n' {
                    Some(j)
                } else {
                    None
                }
            });
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && sc.s.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let mut j = i + 1;
            while j < sc.s.len() && (sc.s[j].is_ascii_alphanumeric() || sc.s[j] == '_' || sc.s[j] == '.') {
                j += 1;
            }
            let t = sc.text(i, j);
            sc.push(Class::Num, &t);
            sc.i = j;
            continue;
        }
        if c == '@' && sc.at_line_start() {
            let mut j = i + 1;
            while j < sc.s.len() && (is_ident(sc.s[j]) || sc.s[j] == '.') {
                j += 1;
            }
            let t = sc.text(i, j);
            sc.push(Class::Decorator, &t);
            sc.i = j;
            continue;
        }
        if is_ident_start(c) {
            let mut j = i + 1;
            while j < sc.s.len() && is_ident(sc.s[j]) {
                j += 1;
            }
            let word = sc.text(i, j);
            let mut k = j;
            while k < sc.s.len() && sc.s[k] == ' ' {
                k += 1;
            }
            let after_dot = i > 0 && sc.s[i - 1] == '.';
            let class = if matches!(sc.last_word(), Some("def") | Some("class")) {
                Class::Def
            } else if !after_dot && KEYWORDS.contains(&word.as_str()) {
                Class::Keyword
            } else if matches!(word.as_str(), "True" | "False" | "None") {
                Class::Const
            } else if word == "self" || word == "cls" {
                Class::SelfWord
            } else if !after_dot && BUILTINS.contains(&word.as_str()) {
                Class::Builtin
            } else if sc.s.get(k) == Some(&'(') {
                Class::Call
            } else {
                Class::Plain
            };
            sc.push(class, &word);
            sc.i = j;
            continue;
        }
        if "=+-*/%<>!&|^~:".contains(c) {
            sc.push(Class::Op, &c.to_string());
            sc.i += 1;
            continue;
        }
        sc.push(Class::Plain, &c.to_string());
        sc.i += 1;
    }
    sc.out
}

/// The listing as HTML lines (`<span class="line">`), each slot replaced by `slot(key)`.
pub fn to_html(src: &str, mut slot: impl FnMut(&str) -> String) -> String {
    let mut out = String::from("<span class=\"line\">");
    for piece in tokenize(src.trim_end_matches('\n')) {
        match piece {
            Piece::Slot(key, class) => match class.css() {
                Some(css) => out.push_str(&format!("<span class=\"{css}\">{}</span>", slot(&key))),
                None => out.push_str(&slot(&key)),
            },
            Piece::Tok(class, text) => {
                for (n, part) in text.split('\n').enumerate() {
                    if n > 0 {
                        out.push_str("</span><span class=\"line\">");
                    }
                    if part.is_empty() {
                        continue;
                    }
                    match class.css() {
                        Some(css) => out.push_str(&format!("<span class=\"{css}\">{}</span>", escape(part))),
                        None => out.push_str(&escape(part)),
                    }
                }
            }
        }
    }
    out.push_str("</span>");
    out
}

/// The listing as a learner reading Russian (`russian`) or English sees it: each of its
/// comments in that language only. A listing writes every comment in both: a block of
/// full-line comments as its English lines, then its Russian ones (from the first line with
/// a Cyrillic letter on); a one-line comment as `# English / Russian`. A comment in one
/// language only stays as it is. The source itself, both languages, is what CPython runs.
pub fn comments_in(src: &str, russian: bool) -> String {
    let lines: Vec<&str> = src.split('\n').collect();
    // The column (in chars) where each line's comment starts, found by the tokenizer, so
    // that a '#' inside a string is not one.
    let mut starts: Vec<Option<usize>> = vec![None; lines.len()];
    let (mut line, mut col) = (0, 0);
    for piece in tokenize(src) {
        let text = match &piece {
            Piece::Tok(class, t) => {
                if *class == Class::Comment && t.starts_with('#') && starts[line].is_none() {
                    starts[line] = Some(col);
                }
                t.clone()
            }
            Piece::Slot(key, _) => format!("{{{{{key}}}}}"),
        };
        for ch in text.chars() {
            if ch == '\n' {
                line += 1;
                col = 0;
            } else {
                col += 1;
            }
        }
    }
    let full_line = |i: usize| starts[i].is_some_and(|c| lines[i].chars().take(c).all(char::is_whitespace));
    // One line's comment in the reader's language, when it carries both.
    let one = |i: usize| -> String {
        let l = lines[i];
        let Some(c) = starts[i] else { return l.to_owned() };
        let at = l.char_indices().nth(c).map_or(l.len(), |(b, _)| b);
        let (code, comment) = l.split_at(at);
        match comment.split_once(" / ") {
            Some((en, ru)) if cyrillic(ru) && !cyrillic(en) => {
                if russian {
                    format!("{code}# {}", ru.trim())
                } else {
                    format!("{code}{}", en.trim_end())
                }
            }
            _ => l.to_owned(),
        }
    };
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        if !full_line(i) {
            out.push(one(i));
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < lines.len() && full_line(end) && starts[end] == starts[i] {
            end += 1;
        }
        let split = (i..end).find(|&j| cyrillic(lines[j])).unwrap_or(end);
        if split == i || split == end {
            // Not English lines then Russian ones: each line on its own.
            out.extend((i..end).map(one));
        } else if russian {
            out.extend(lines[split..end].iter().map(|l| (*l).to_owned()));
        } else {
            out.extend(lines[i..split].iter().map(|l| (*l).to_owned()));
        }
        i = end;
    }
    out.join("\n")
}

fn cyrillic(s: &str) -> bool {
    s.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_in_the_readers_language() {
        let src = "# Two workers share a lock\n# Два потока делят замок\n# None: никогда\nx = {{n}}  # how many / сколько\ns = '# not / а comment'\n    # English only\n# {{m}}: one line / одна строка\n";
        assert_eq!(
            comments_in(src, false),
            "# Two workers share a lock\nx = {{n}}  # how many\ns = '# not / а comment'\n    # English only\n# {{m}}: one line\n"
        );
        assert_eq!(
            comments_in(src, true),
            "# Два потока делят замок\n# None: никогда\nx = {{n}}  # сколько\ns = '# not / а comment'\n    # English only\n# одна строка\n"
        );
    }

    #[test]
    fn slots_inside_strings_and_code() {
        let p = tokenize("x = {{n}}\nprint(f'{{name}} ok')  # {{c}}\n");
        let slots: Vec<_> =
            p.iter().filter_map(|p| if let Piece::Slot(k, c) = p { Some((k.as_str(), *c)) } else { None }).collect();
        assert_eq!(slots, vec![("n", Class::Plain), ("name", Class::Str), ("c", Class::Comment)]);
    }

    #[test]
    fn classes() {
        let p = tokenize("def work(self):\n    return None\n");
        assert!(p.contains(&Piece::Tok(Class::Keyword, "def".into())));
        assert!(p.contains(&Piece::Tok(Class::Def, "work".into())));
        assert!(p.contains(&Piece::Tok(Class::Const, "None".into())));
    }
}

//! What a learner reads, in both of the page's languages.

use serde::Serialize;

/// A text a learner reads, in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Text {
    pub ru: &'static str,
    pub en: &'static str,
}

/// A text with numbers in it, built for one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct Msg {
    pub ru: String,
    pub en: String,
}

impl Msg {
    pub fn new(ru: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg { ru: ru.into(), en: en.into() }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }
    /// Appends `more`, each language to its own.
    pub fn push(&mut self, more: &Msg) {
        self.ru.push_str(&more.ru);
        self.en.push_str(&more.en);
    }
    /// The messages one after another, `sep` between them, each language on its own.
    pub fn join(parts: impl IntoIterator<Item = Msg>, sep: &str) -> Msg {
        let (ru, en): (Vec<String>, Vec<String>) = parts.into_iter().map(|m| (m.ru, m.en)).unzip();
        Msg { ru: ru.join(sep), en: en.join(sep) }
    }
}

impl Text {
    /// A text from two files' contents (`include_str!`), without the final newline that
    /// text files end with.
    pub const fn from_files(ru: &'static str, en: &'static str) -> Text {
        Text { ru: without_final_newline(ru), en: without_final_newline(en) }
    }
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ru => self.ru,
            Lang::En => self.en,
        }
    }
}

const fn without_final_newline(s: &'static str) -> &'static str {
    match s.as_bytes() {
        [rest @ .., b'\n'] => match std::str::from_utf8(rest) {
            Ok(s) => s,
            Err(_) => panic!("a text cut at a newline is still UTF-8"),
        },
        _ => s,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Lang {
    Ru,
    En,
}

/// A value in a [`msg!`](crate::msg) message: how it reads in each language. Numbers and
/// plain text read the same in both; [`Text`], [`Msg`] and [`Secs`] read differently.
pub trait Arg {
    type Out<'a>: std::fmt::Display
    where
        Self: 'a;
    fn ru(&self) -> Self::Out<'_>;
    fn en(&self) -> Self::Out<'_>;
}

macro_rules! same_in_both {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            type Out<'a> = $t;
            fn ru(&self) -> $t {
                *self
            }
            fn en(&self) -> $t {
                *self
            }
        }
    )*};
}
same_in_both!(i32, i64, u32, u64, usize, f64, char);

impl Arg for str {
    type Out<'a> = &'a str;
    fn ru(&self) -> &str {
        self
    }
    fn en(&self) -> &str {
        self
    }
}

impl Arg for String {
    type Out<'a> = &'a str;
    fn ru(&self) -> &str {
        self
    }
    fn en(&self) -> &str {
        self
    }
}

impl<T: Arg + ?Sized> Arg for &T {
    type Out<'a>
        = T::Out<'a>
    where
        Self: 'a;
    fn ru(&self) -> T::Out<'_> {
        (**self).ru()
    }
    fn en(&self) -> T::Out<'_> {
        (**self).en()
    }
}

impl Arg for Text {
    type Out<'a> = &'static str;
    fn ru(&self) -> &'static str {
        self.ru
    }
    fn en(&self) -> &'static str {
        self.en
    }
}

impl Arg for Msg {
    type Out<'a> = &'a str;
    fn ru(&self) -> &str {
        &self.ru
    }
    fn en(&self) -> &str {
        &self.en
    }
}

/// Lesson seconds, with two decimals: "3,31 с" in Russian, "3.31 s" in English.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Secs(pub f64);

impl Arg for Secs {
    type Out<'a> = String;
    fn ru(&self) -> String {
        format!("{:.2} с", self.0).replace('.', ",")
    }
    fn en(&self) -> String {
        format!("{:.2} s", self.0)
    }
}

/// Seconds that may be unknown (a thread that never ended): a dash when none.
impl Arg for Option<Secs> {
    type Out<'a> = String;
    fn ru(&self) -> String {
        self.map_or("—".to_owned(), |s| s.ru())
    }
    fn en(&self) -> String {
        self.map_or("-".to_owned(), |s| s.en())
    }
}

/// A [`Msg`] from a Russian and an English template with inline named arguments, each value
/// named once for both languages:
/// `msg!(ru: "потеряно {lost} из {total}", en: "{lost} of {total} lost"; lost = n, total = t)`.
/// A value reads in each language as its [`Arg`] says (a [`Secs`] or a [`Text`] differs);
/// format specs apply to what it reads as (`{gap:.0}` on an `f64`). Each value is evaluated
/// once, before any is named.
#[macro_export]
macro_rules! msg {
    (ru: $ru:literal, en: $en:literal $(,)?) => {
        $crate::text::Msg { ru: ::std::format!($ru), en: ::std::format!($en) }
    };
    (ru: $ru:literal, en: $en:literal; $($name:ident = $val:expr),+ $(,)?) => {{
        // All values first, so that a value's expression never sees another's name.
        let ($($name,)+) = ($($val,)+);
        let ru = {
            // A value one language does not need (a plural noun English has and Russian
            // words otherwise) goes unused in the other.
            $(#[allow(unused_variables)] let $name = $crate::text::Arg::ru(&$name);)+
            ::std::format!($ru)
        };
        let en = {
            $(#[allow(unused_variables)] let $name = $crate::text::Arg::en(&$name);)+
            ::std::format!($en)
        };
        $crate::text::Msg { ru, en }
    }};
}

#[cfg(test)]
mod tests {
    use super::{Msg, Secs, Text};

    #[test]
    fn msg_names_each_value_once_for_both_languages() {
        let mut calls = 0;
        let mut lost = || {
            calls += 1;
            3
        };
        let m = msg!(ru: "потеряно {lost} из {total} за {t}; {how}", en: "{lost} of {total} lost in {t}; {how}";
            lost = lost(), total = 10u64, t = Secs(1.5), how = Text { ru: "быстро", en: "fast" });
        assert_eq!(m, Msg::new("потеряно 3 из 10 за 1,50 с; быстро", "3 of 10 lost in 1.50 s; fast"));
        assert_eq!(calls, 1);
        let gap = 12.345;
        assert_eq!(msg!(ru: "{gap:.0} мс", en: "{gap:.1} ms"; gap = gap), Msg::new("12 мс", "12.3 ms"));
    }
}

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
}

impl Text {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ru => self.ru,
            Lang::En => self.en,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Lang {
    Ru,
    En,
}

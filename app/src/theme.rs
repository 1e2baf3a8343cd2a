//! Light or dark: the system's choice (`prefers-color-scheme`) unless the user
//! picked one, which is kept in the browser.

const KEY: &str = "webmqtt.theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    System,
    Dark,
    Light,
}

impl Theme {
    pub fn label(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Dark => "dark",
            Self::Light => "light",
        }
    }

    /// The toggle's next choice.
    pub fn next(self) -> Self {
        match self {
            Self::System => Self::Dark,
            Self::Dark => Self::Light,
            Self::Light => Self::System,
        }
    }

    fn from_label(s: &str) -> Self {
        [Self::Dark, Self::Light].into_iter().find(|t| t.label() == s).unwrap_or_default()
    }

    pub fn load() -> Self {
        let stored = web_sys::window().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item(KEY).ok().flatten());
        stored.map_or_else(Self::default, |s| Self::from_label(&s))
    }

    /// Sets `data-theme` on the page (style/main.css reads it) and keeps the choice.
    pub fn apply(self) {
        let Some(window) = web_sys::window() else { return };
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = match self {
                Self::System => root.remove_attribute("data-theme"),
                other => root.set_attribute("data-theme", other.label()),
            };
        }
        if let Ok(Some(storage)) = window.local_storage() {
            let _ = storage.set_item(KEY, self.label());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toggle_goes_round_and_labels_read_back() {
        let mut t = Theme::System;
        for _ in 0..3 {
            assert_eq!(Theme::from_label(t.label()), t);
            t = t.next();
        }
        assert_eq!(t, Theme::System);
    }
}

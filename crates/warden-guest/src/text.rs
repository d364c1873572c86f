//! [`bounded`]: how the guest keeps the text it reports to the host small.

/// `text` cut to at most `limit` bytes at a character boundary, ending with
/// `… [cut from N bytes]` (N its full length); unchanged when it fits. A
/// `limit` shorter than that note gives the note alone.
pub(crate) fn bounded(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let note = format!("… [cut from {} bytes]", text.len());
    let mut keep = limit.saturating_sub(note.len());
    while !text.is_char_boundary(keep) {
        keep -= 1;
    }
    text.truncate(keep);
    text.push_str(&note);
    text
}

#[cfg(test)]
mod tests {
    use super::bounded;

    #[test]
    fn text_that_fits_is_unchanged() {
        let text = "é".repeat(500);
        assert_eq!(bounded(text.clone(), 1000), text);
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let long = format!("x{}", "é".repeat(1000));
        let cut = bounded(long.clone(), 1000);
        assert!(cut.len() <= 1000 && cut.len() > 1000 - 32, "{}", cut.len());
        let (kept, note) = cut.split_once('…').unwrap();
        assert!(long.starts_with(kept));
        assert_eq!(note, " [cut from 2001 bytes]");
    }
}

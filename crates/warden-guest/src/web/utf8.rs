//! UTF-8 as the WHATWG Encoding standard has it, without JavaScript: a
//! streaming decoder whose state fits in a number, and the two ways of
//! encoding the engine's UTF-8 form of a string (where a lone surrogate is
//! the three bytes `ED A0..BF xx`).
//!
//! Invalid input is replaced by one U+FFFD per maximal subpart, the rule
//! Rust's own validation reports (`Utf8Error::error_len`).

/// The UTF-8 form of U+FFFD.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// U+FEFF, the byte order mark, which decoding strips from the start.
const BOM: &str = "\u{FEFF}";

/// What a decoder hands its sink: text of the input, or one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece<'a> {
    /// A run of the input, valid UTF-8.
    Text(&'a str),
    /// A character made of bytes from two calls, or U+FFFD.
    Char(char),
}

impl Piece<'_> {
    /// The piece's UTF-8 bytes (`buf` holds a character's).
    pub(super) fn bytes<'b>(&'b self, buf: &'b mut [u8; 4]) -> &'b [u8] {
        match self {
            Piece::Text(text) => text.as_bytes(),
            Piece::Char(c) => c.encode_utf8(buf).as_bytes(),
        }
    }
}

/// The input held invalid UTF-8, and the decoder is fatal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Invalid;

/// A streaming decoder between calls: the start of a character the last
/// input ended in, and whether text (so a BOM's place) has gone by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Decoder {
    pending: [u8; 3],
    len: usize,
    bom_seen: bool,
}

impl Decoder {
    /// The decoder [`bits`](Self::bits) gave `bits` for. (Other numbers
    /// give some decoder; decoding with it never panics.)
    pub(super) fn from_bits(bits: u32) -> Self {
        let [b0, b1, b2, flags] = bits.to_le_bytes();
        Self {
            pending: [b0, b1, b2],
            len: usize::from(flags & 3),
            bom_seen: flags & 4 != 0,
        }
    }

    /// The decoder as a number; a fresh decoder is 0.
    pub(super) fn bits(self) -> u32 {
        let [b0, b1, b2] = self.pending;
        let flags = self.len as u8 | if self.bom_seen { 4 } else { 0 };
        u32::from_le_bytes([b0, b1, b2, flags])
    }

    /// Decodes `input` after what the decoder holds, handing `sink` the
    /// text in order. Unless `stream`, an incomplete character at the end
    /// is invalid and the decoder ends fresh. With `fatal`, invalid input
    /// is an error, what `sink` got is to be dropped and the decoder is
    /// fresh; otherwise each maximal subpart becomes U+FFFD. A leading BOM
    /// is dropped unless `keep_bom`.
    pub(super) fn decode<'a>(
        &mut self,
        input: &'a [u8],
        stream: bool,
        fatal: bool,
        keep_bom: bool,
        sink: &mut dyn FnMut(Piece<'a>),
    ) -> Result<(), Invalid> {
        let mut bom_seen = self.bom_seen;
        let mut out = |piece: Piece<'a>| {
            let piece = match piece {
                _ if bom_seen || keep_bom => piece,
                Piece::Text(text) => Piece::Text(text.strip_prefix(BOM).unwrap_or(text)),
                Piece::Char('\u{FEFF}') => Piece::Text(""),
                piece => piece,
            };
            bom_seen = true;
            if piece != Piece::Text("") {
                sink(piece);
            }
        };
        let result = self.decode_into(input, stream, fatal, &mut out);
        match result {
            Ok(()) if stream => self.bom_seen = bom_seen,
            _ => *self = Self::default(),
        }
        result
    }

    /// [`decode`](Self::decode) without the BOM, which `out` drops.
    fn decode_into<'a>(
        &mut self,
        input: &'a [u8],
        stream: bool,
        fatal: bool,
        out: &mut dyn FnMut(Piece<'a>),
    ) -> Result<(), Invalid> {
        let mut rest = input;
        if self.len > 0 {
            let (finished, used) = self.finish_pending(input, stream);
            rest = &input[used..];
            match finished {
                Some(Ok(c)) => out(Piece::Char(c)),
                Some(Err(Invalid)) if fatal => return Err(Invalid),
                Some(Err(Invalid)) => out(Piece::Char(char::REPLACEMENT_CHARACTER)),
                None => return Ok(()),
            }
        }
        loop {
            let error = match std::str::from_utf8(rest) {
                Ok(text) => {
                    if !text.is_empty() {
                        out(Piece::Text(text));
                    }
                    return Ok(());
                }
                Err(error) => error,
            };
            let (valid, after) = rest.split_at(error.valid_up_to());
            if !valid.is_empty() {
                // SAFETY: `valid_up_to` bytes are valid UTF-8.
                out(Piece::Text(unsafe { std::str::from_utf8_unchecked(valid) }));
            }
            match error.error_len() {
                // An incomplete character, at most three bytes, ends it.
                None if stream => {
                    self.pending[..after.len()].copy_from_slice(after);
                    self.len = after.len();
                    return Ok(());
                }
                _ if fatal => return Err(Invalid),
                None => {
                    out(Piece::Char(char::REPLACEMENT_CHARACTER));
                    return Ok(());
                }
                Some(len) => {
                    out(Piece::Char(char::REPLACEMENT_CHARACTER));
                    rest = &after[len..];
                }
            }
        }
    }

    /// Completes the pending character with the first bytes of `input`:
    /// the character (or `Invalid` for a maximal subpart) and how many
    /// bytes of `input` it took; no character when `input` ends first and
    /// `stream` keeps it pending.
    fn finish_pending(
        &mut self,
        input: &[u8],
        stream: bool,
    ) -> (Option<Result<char, Invalid>>, usize) {
        let held = self.len;
        let mut buf = [0u8; 4];
        buf[..held].copy_from_slice(&self.pending[..held]);
        let taken = input.len().min(4 - held);
        buf[held..held + taken].copy_from_slice(&input[..taken]);
        let joined = &buf[..held + taken];
        self.len = 0;
        let error = match std::str::from_utf8(joined) {
            Ok(text) => return first_char(text, held),
            Err(error) if error.valid_up_to() > 0 => {
                // SAFETY: `valid_up_to` bytes are valid UTF-8.
                let valid =
                    unsafe { std::str::from_utf8_unchecked(&joined[..error.valid_up_to()]) };
                return first_char(valid, held);
            }
            Err(error) => error,
        };
        match error.error_len() {
            Some(len) => (Some(Err(Invalid)), len.saturating_sub(held)),
            None if stream => {
                self.pending[..joined.len()].copy_from_slice(joined);
                self.len = joined.len();
                (None, taken)
            }
            None => (Some(Err(Invalid)), taken),
        }
    }
}

/// The first character of `text` (not empty), which starts with `held`
/// pending bytes, and how many bytes after those it takes.
fn first_char(text: &str, held: usize) -> (Option<Result<char, Invalid>>, usize) {
    let c = text.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
    (Some(Ok(c)), c.len_utf8().saturating_sub(held))
}

/// Turns each lone surrogate of the engine's UTF-8 form into U+FFFD, in
/// place: both take three bytes.
pub(super) fn replace_surrogates(bytes: &mut [u8]) {
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == 0xED) {
        let found = at + offset;
        if found + 2 < bytes.len() && (0xA0..=0xBF).contains(&bytes[found + 1]) {
            bytes[found..found + 3].copy_from_slice(REPLACEMENT);
            at = found + 3;
        } else {
            at = found + 1;
        }
    }
}

/// Copies the whole characters of the engine's UTF-8 form `source` that fit
/// into `out`, lone surrogates as U+FFFD, and returns how many UTF-16 units
/// of the string they were and how many bytes were written.
pub(super) fn encode_into(source: &[u8], out: &mut [u8]) -> (usize, usize) {
    let (mut read, mut written, mut at) = (0, 0, 0);
    while let Some(&lead) = source.get(at) {
        let width = match lead {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        let Some(room) = out.get_mut(written..written + width) else {
            break;
        };
        let Some(bytes) = source.get(at..at + width) else {
            break;
        };
        let surrogate = lead == 0xED && (0xA0..=0xBF).contains(&bytes[1]);
        room.copy_from_slice(if surrogate { REPLACEMENT } else { bytes });
        read += if width == 4 { 2 } else { 1 };
        written += width;
        at += width;
    }
    (read, written)
}

#[cfg(test)]
mod tests {
    use super::{encode_into, replace_surrogates, Decoder, Invalid, Piece};

    /// What decoding `chunks` in turn gives (the last one not streamed).
    fn decoded(chunks: &[&[u8]], fatal: bool) -> Result<String, Invalid> {
        let mut decoder = Decoder::default();
        let mut text = String::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let stream = i + 1 < chunks.len();
            decoder = Decoder::from_bits(decoder.bits());
            decoder.decode(chunk, stream, fatal, false, &mut |piece| match piece {
                Piece::Text(t) => text.push_str(t),
                Piece::Char(c) => text.push(c),
            })?;
        }
        assert_eq!(
            decoder,
            Decoder::default(),
            "a flush leaves a fresh decoder"
        );
        Ok(text)
    }

    #[test]
    fn characters_split_between_chunks_are_joined() {
        let euro: &[u8] = "€".as_bytes();
        assert_eq!(
            decoded(&[&euro[..1], &euro[1..2], &euro[2..]], true),
            Ok("€".into())
        );
        assert_eq!(
            decoded(&[b"\xF0\x9F", b"\x98\x80!"], true),
            Ok("😀!".into())
        );
        // A split U+FFFD is a character, not an error.
        assert_eq!(
            decoded(&[b"\xEF", b"\xBF\xBD"], true),
            Ok("\u{FFFD}".into())
        );
        // E0 80: E0 alone is the maximal subpart, then 80 is another.
        assert_eq!(
            decoded(&[b"\xE0", b"\x80"], false),
            Ok("\u{FFFD}\u{FFFD}".into())
        );
        assert_eq!(decoded(&[b"\xF0\x90", b"A"], false), Ok("\u{FFFD}A".into()));
        assert_eq!(decoded(&[b"\xF0", b""], false), Ok("\u{FFFD}".into()));
        assert_eq!(decoded(&[b"\xF0", b""], true), Err(Invalid));
    }

    #[test]
    fn the_bom_is_dropped_only_at_the_start() {
        assert_eq!(
            decoded(&[b"\xEF\xBB", b"\xBF\xEF\xBB\xBFa"], false),
            Ok("\u{FEFF}a".into())
        );
        assert_eq!(decoded(&[b"\xEF\xBB\xBF"], false), Ok(String::new()));
    }

    #[test]
    fn encoding_replaces_lone_surrogates_and_stops_before_what_does_not_fit() {
        // "a", a lone high surrogate, "😀".
        let engine = b"a\xED\xA0\x80\xF0\x9F\x98\x80";
        let mut out = [0u8; 6];
        assert_eq!(encode_into(engine, &mut out), (2, 4));
        assert_eq!(&out[..4], b"a\xEF\xBF\xBD");
        let mut copy = *engine;
        replace_surrogates(&mut copy);
        assert_eq!(&copy, "a\u{FFFD}😀".as_bytes());
    }
}

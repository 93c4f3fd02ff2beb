//! A message's JSON bytes, written into one buffer sized up front.
//!
//! A chunk's cells are short (ten bytes or so), and a `push_str` per cell
//! spent more on the `memcpy` call than on the copy. Here a short cell is
//! one fixed 16-byte move into the buffer's spare room, taking the bytes
//! after it along; the next write lands on them, and the end is never
//! counted as written.

use std::mem::MaybeUninit;

/// Cells up to this long are copied as one fixed-size move.
const WINDOW: usize = 16;

/// Only ever holds valid UTF-8 (see [`JsonOut::into_string`]).
pub(super) struct JsonOut(Vec<u8>);

impl JsonOut {
    /// Room for `len` bytes of JSON; writing more still works, more slowly.
    pub(super) fn with_len(len: usize) -> JsonOut {
        JsonOut(Vec::with_capacity(len.saturating_add(WINDOW)))
    }

    #[inline]
    pub(super) fn push(&mut self, text: &str) {
        self.0.extend_from_slice(text.as_bytes());
    }

    /// An ASCII byte (punctuation, a digit): anything else would cut a
    /// character, so it panics.
    #[inline]
    pub(super) fn push_ascii(&mut self, byte: u8) {
        assert!(byte.is_ascii(), "only ASCII bytes are pushed alone");
        self.0.push(byte);
    }

    /// `text[from..to]`; a short piece is read as one window of `text`.
    #[inline]
    pub(super) fn push_piece(&mut self, text: &str, from: usize, to: usize) {
        self.push_piece_after(b"", text, from, to);
    }

    /// `before` (ASCII), then `text[from..to]` as [`JsonOut::push_piece`]
    /// writes it: one check of the room for both.
    #[inline]
    pub(super) fn push_piece_after<const N: usize>(
        &mut self,
        before: &[u8; N],
        text: &str,
        from: usize,
        to: usize,
    ) {
        assert!(before.is_ascii(), "only ASCII bytes come before a piece");
        // Sliced as text: a cut inside a character panics here rather than
        // leaving half of it in the buffer.
        let piece: &str = &text[from..to];
        let piece = piece.as_bytes();
        let window = text.as_bytes().get(from..from + WINDOW);
        let room: &mut [MaybeUninit<u8>] = self.0.spare_capacity_mut();
        match (window, room.get_mut(..N + WINDOW)) {
            (Some(window), Some(room)) if piece.len() <= WINDOW => {
                let (head, tail) = room.split_at_mut(N);
                head.write_copy_of_slice(before);
                tail.write_copy_of_slice(window);
                let len = self.0.len() + N + piece.len();
                // SAFETY: within capacity, as `room` held `N + WINDOW` bytes
                // and the piece is no longer than the window; and those bytes
                // are initialized, just written as `before` and the window's
                // start.
                unsafe { self.0.set_len(len) };
            }
            _ => {
                self.0.extend_from_slice(before);
                self.0.extend_from_slice(piece);
            }
        }
    }

    pub(super) fn into_string(self) -> String {
        // SAFETY: the bytes are the concatenation, in order, of what was
        // pushed: whole `&str`s, ASCII bytes, and pieces that `push_piece`
        // sliced as `&str`, so cut at character boundaries. A window's
        // bytes past its piece were never counted in the length. So they
        // are valid UTF-8.
        unsafe { String::from_utf8_unchecked(self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_and_pushes_come_out_in_order_and_whole() {
        let text = "é,abc,日本語 and a cell longer than the window";
        for len in [0, 3, 200] {
            let mut out = JsonOut::with_len(len);
            out.push("[\"");
            out.push_piece(text, 0, 2);
            out.push_ascii(b'|');
            out.push_piece(text, 3, 6);
            out.push_piece(text, 7, 16);
            out.push_piece(text, 16, text.len());
            out.push_piece(text, text.len(), text.len());
            out.push("\"]");
            let json = out.into_string();
            assert_eq!(json, format!("[\"é|abc日本語{}\"]", &text[16..]), "{len}");
        }
    }

    #[test]
    #[should_panic(expected = "byte index 1 is not a char boundary")]
    fn a_piece_cut_inside_a_character_panics() {
        JsonOut::with_len(10).push_piece("é", 1, 2);
    }
}

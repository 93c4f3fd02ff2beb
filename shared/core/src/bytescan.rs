//! Whether any byte of a short text is one of a few: the question the
//! engine asks of every row (does it need JSON escapes, could it hold a
//! control character) before taking a slower path for the rare row that
//! does.
//!
//! Rows are 100 to 200 bytes. A byte loop that stops at the first hit
//! cannot be vectorized, and one over the whole row spends most of its
//! time on the tail after the last full vector; this reads 32-byte blocks
//! (two of the 16-byte vectors every x86-64 and aarch64 has), the last one
//! overlapping, each tested without a branch per byte.

/// Bytes per block.
const BLOCK: usize = 32;

/// True when `hit` is true of any byte of `text`. `hit` must be a pure,
/// branch-free test (comparisons joined with `|`) so blocks vectorize.
#[inline(always)]
pub(crate) fn any_byte(text: &[u8], hit: impl Fn(u8) -> bool) -> bool {
    // Folded as bytes, not booleans, so that the compiler keeps the block
    // in vector lanes.
    let block_hits = |block: &[u8]| block.iter().fold(0u8, |any, &b| any | u8::from(hit(b))) != 0;
    if text.len() < BLOCK {
        return block_hits(text);
    }
    let mut blocks = text.chunks_exact(BLOCK);
    if blocks.by_ref().any(block_hits) {
        return true;
    }
    // The tail, read as the last full block: some bytes are seen twice.
    !blocks.remainder().is_empty() && block_hits(&text[text.len() - BLOCK..])
}

/// A byte that JSON must escape: a C0 control, `"` or `\\`.
#[inline(always)]
pub(crate) fn json_escaped(b: u8) -> bool {
    (b < 0x20) | (b == b'"') | (b == b'\\')
}

/// A byte that is or may start a control character: C0, DEL, and the 0xC2
/// that starts the UTF-8 of the C1 controls.
#[inline(always)]
pub(crate) fn may_start_control(b: u8) -> bool {
    (b < 0x20) | (b == 0x7F) | (b == 0xC2)
}

/// No byte that a row's JSON must escape nor that may start a control
/// character: parsing asks once per row, so that chunking, sending and
/// validating it can skip their own scans, which test the same two
/// predicates.
pub(crate) fn is_plain(text: &[u8]) -> bool {
    !any_byte(text, |b| json_escaped(b) | may_start_control(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_anywhere_is_found_and_none_is_not() {
        let hit = |b: u8| (b == b'"') | (b < 0x20);
        for len in 0..70 {
            let clean = vec![b'a'; len];
            assert!(!any_byte(&clean, hit), "{len}");
            for at in 0..len {
                for odd in [b'"', b'\n', 0] {
                    let mut text = clean.clone();
                    text[at] = odd;
                    assert!(any_byte(&text, hit), "{len} {at}");
                }
            }
        }
    }

    #[test]
    fn plain_text_has_no_escape_nor_control_byte() {
        assert!(is_plain(b"Ann,O'Neil Smith-Jones 2024-01-05 caf\xc3\xa9"));
        for odd in [
            "a\"b",
            "a\\b",
            "tab\there",
            "del\u{7f}",
            "c1\u{85}",
            "nul\0",
        ] {
            assert!(!is_plain(odd.as_bytes()), "{odd:?}");
        }
    }
}

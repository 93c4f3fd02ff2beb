//! Where the bytes that end or quote a cell are: the separator, `"`, CR
//! and LF, found 64 bytes at a time.
//!
//! A block's stops are one bit per byte in a `u64`, and the reader steps
//! from one set bit to the next, so the cost per byte is the block test
//! alone. The block is tested eight bytes at a time in a `u64` word, each
//! word for the four bytes at once, with arithmetic that cannot carry from
//! one byte into the next.
//!
//! The same code runs on every architecture: the functions run on arm64
//! and the tests mostly on x86-64, and a path per architecture (there were
//! SSE2 and NEON ones) is a path the tests may never run. Against those,
//! words make parsing a file about a seventh slower; testing a byte at a
//! time made it three quarters slower.

/// Bytes per block: one bit each in the mask.
const BLOCK: usize = 64;

/// The stops of one input, in order, from wherever the reader seeks.
///
/// The input is passed to every call rather than held, so that a parser
/// writing cells over the text it has read (which never reaches the
/// stops still pending) can keep the stops between records.
pub(crate) struct Stops {
    /// Separator, quote, CR, LF.
    bytes: [u8; 4],
    /// Where the current block starts.
    base: usize,
    /// The current block's stops not yet returned, bit `i` for byte
    /// `base + i`.
    pending: u64,
    /// `pending` is the block's: false until the first seek and after
    /// [`Stops::forget`].
    current: bool,
}

impl Stops {
    pub(crate) fn new(delimiter: u8) -> Stops {
        Stops {
            bytes: [delimiter, b'"', b'\r', b'\n'],
            base: 0,
            pending: 0,
            current: false,
        }
    }

    /// Positions the stops at `at`: the next one returned is the first at
    /// or after it. Records follow one another, so the block already
    /// tested usually holds `at` and only loses its bits before it.
    #[inline]
    pub(crate) fn seek(&mut self, input: &[u8], at: usize) {
        match at.checked_sub(self.base) {
            Some(into) if self.current && into < BLOCK => self.pending &= !0u64 << into,
            _ => {
                self.base = at;
                self.pending = self.block(input, at);
                self.current = true;
            }
        }
    }

    /// Stops already returned may lie past where reading goes on (csv-core
    /// read the record instead): the next seek tests its block afresh.
    pub(super) fn forget(&mut self) {
        self.current = false;
    }

    /// The next stop, or `None` at the end of the input.
    #[inline]
    pub(crate) fn next(&mut self, input: &[u8]) -> Option<usize> {
        loop {
            if self.pending != 0 {
                let at = self.base + self.pending.trailing_zeros() as usize;
                self.pending &= self.pending - 1;
                return Some(at);
            }
            self.base += BLOCK;
            if self.base >= input.len() {
                return None;
            }
            self.pending = self.block(input, self.base);
        }
    }

    /// The stops among the 64 bytes from `at`; past the input's end the
    /// bytes are zero, which is never a stop.
    #[inline]
    fn block(&self, input: &[u8], at: usize) -> u64 {
        match input.get(at..at + BLOCK) {
            Some(block) => block_stops(block.try_into().expect("a block"), self.bytes),
            None => {
                let mut padded = [0u8; BLOCK];
                let rest = &input[at.min(input.len())..];
                padded[..rest.len()].copy_from_slice(rest);
                block_stops(&padded, self.bytes)
            }
        }
    }
}

/// The stops among a block's bytes, eight bytes at a time in a `u64`.
fn block_stops(block: &[u8; BLOCK], bytes: [u8; 4]) -> u64 {
    let splats = bytes.map(|b| ONES * u64::from(b));
    let mut stops = 0u64;
    for (i, eight) in block.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(eight.try_into().expect("eight bytes"));
        stops |= gather(word_stops(word, splats)) << (8 * i);
    }
    stops
}

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = !LOW7;
const ONES: u64 = 0x0101_0101_0101_0101;
/// Moves bit 8k to bit 56 + k for k in 0..8, with no two products
/// meeting: multiplied by it, a word's per-byte bits land in its top
/// byte, in byte order.
const GATHER: u64 = 0x0102_0408_1020_4080;

/// The high bit of each byte of `word` that is one of the four.
#[inline]
fn word_stops(word: u64, splats: [u64; 4]) -> u64 {
    // A byte of `x` is not zero exactly when its low seven bits added
    // to 0x7f, or its high bit, set the high bit.
    let nonzero = |x: u64| ((x & LOW7) + LOW7) | x;
    let all_differ = splats
        .iter()
        .fold(!0u64, |all, &splat| all & nonzero(word ^ splat));
    !all_differ & HIGH
}

/// The high bits of a word's eight bytes as eight bits.
#[inline]
fn gather(high_bits: u64) -> u64 {
    (high_bits >> 7).wrapping_mul(GATHER) >> 56
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BYTES: [u8; 4] = [b',', b'"', b'\r', b'\n'];

    fn byte_by_byte(block: &[u8; BLOCK], bytes: [u8; 4]) -> u64 {
        block
            .iter()
            .enumerate()
            .filter(|(_, b)| bytes.contains(b))
            .fold(0, |stops, (i, _)| stops | 1 << i)
    }

    fn all_stops(input: &[u8], from: usize) -> Vec<usize> {
        let mut stops = Stops::new(b',');
        stops.seek(input, from);
        std::iter::from_fn(|| stops.next(input)).collect()
    }

    #[test]
    fn every_stop_is_found_in_order_across_blocks_and_at_the_end() {
        let mut input = vec![b'x'; 200];
        for at in [0, 1, 63, 64, 65, 127, 128, 190, 199] {
            input[at] = BYTES[at % 4];
        }
        let expected = [0, 1, 63, 64, 65, 127, 128, 190, 199];
        assert_eq!(all_stops(&input, 0), expected);
        assert_eq!(all_stops(&input, 64), &expected[3..]);
        assert_eq!(all_stops(&input, 199), [199]);
        assert_eq!(all_stops(&input, 200), Vec::<usize>::new());
        assert_eq!(all_stops(b"", 0), Vec::<usize>::new());
    }

    #[test]
    fn seeking_within_the_block_drops_the_stops_before_and_forgetting_retests() {
        let input = b"a,b,c\nd,e\n";
        let mut stops = Stops::new(b',');
        stops.seek(input, 0);
        assert_eq!(stops.next(input), Some(1));
        stops.seek(input, 6);
        assert_eq!(stops.next(input), Some(7));
        // Read past 9 by someone else, then back at 3: the block is
        // tested again, not left without the stops already returned.
        assert_eq!(stops.next(input), Some(9));
        stops.forget();
        stops.seek(input, 3);
        assert_eq!(stops.next(input), Some(3));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn blocks_find_what_a_byte_by_byte_test_finds(
            block in prop::collection::vec(
                prop::sample::select(vec![b'a', b',', b';', b'\t', b'|', b'"', b'\r', b'\n', 0, 0x80, 0xff, 0x2c ^ 0x80]),
                BLOCK,
            ),
            delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|']),
        ) {
            let block: [u8; BLOCK] = block.try_into().unwrap();
            let bytes = [delimiter, b'"', b'\r', b'\n'];
            let expected = byte_by_byte(&block, bytes);
            prop_assert_eq!(block_stops(&block, bytes), expected);
        }
    }
}

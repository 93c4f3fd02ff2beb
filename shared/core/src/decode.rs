//! Bytes to text: UTF-8 (with or without BOM), UTF-16 by BOM, and Excel's
//! Windows-1252 when the bytes are not UTF-8.

use crate::file_error::FileError;
use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The encoding a file was read with, reported back to the admin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

/// Something odd about the text that does not stop the import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodeWarning {
    pub code: String,
    pub message: String,
}

#[derive(Debug)]
pub struct Decoded<'a> {
    /// Borrowed when the input was already UTF-8: no whole-file copy.
    pub text: Cow<'a, str>,
    pub encoding: TextEncoding,
    pub warnings: Vec<DecodeWarning>,
}

/// Known binary formats by magic number, each named so an admin recognises
/// what they uploaded by mistake.
const MAGIC: &[(&[u8], &str)] = &[
    (b"%PDF", "a PDF document"),
    (
        b"\xD0\xCF\x11\xE0",
        "an old Excel .xls workbook; save it as .xlsx or CSV",
    ),
    (b"\x89PNG", "a PNG image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1F\x8B", "a gzip-compressed file"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
];

/// Above this share of control characters (per byte of text) a file is not
/// a spreadsheet export: real CSVs have none besides tab and line breaks.
const CONTROL_PER_MILLE: usize = 50;

/// Decodes a whole file, rejecting empty and binary input.
///
/// ```
/// use dic_core::decode::{decode, TextEncoding};
/// let d = decode(b"\xEF\xBB\xBFname\nJos\xC3\xA9\n").unwrap();
/// assert_eq!(d.encoding, TextEncoding::Utf8Bom);
/// assert_eq!(d.text, "name\nJosé\n");
/// ```
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if let Some((_, reason)) = MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Err(FileError::Binary {
            reason: (*reason).to_string(),
        });
    }
    // `lossy` is set when some bytes did not fit the encoding the file
    // announced with its BOM and were replaced by U+FFFD.
    let (text, encoding, lossy) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        // A BOM promises UTF-8; stray invalid bytes become U+FFFD rather
        // than turning the whole file into Windows-1252.
        let text = String::from_utf8_lossy(rest);
        let lossy = matches!(text, Cow::Owned(_));
        (text, TextEncoding::Utf8Bom, lossy)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let (text, lossy) = UTF_16LE.decode_without_bom_handling(rest);
        (text, TextEncoding::Utf16Le, lossy)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        let (text, lossy) = UTF_16BE.decode_without_bom_handling(rest);
        (text, TextEncoding::Utf16Be, lossy)
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (Cow::Borrowed(text), TextEncoding::Utf8, false)
    } else {
        let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
        (text, TextEncoding::Windows1252, false)
    };
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let scan = scan(text.as_bytes());
    if scan.nul {
        return Err(FileError::Binary {
            reason: "it contains NUL bytes, as program files and images do".to_string(),
        });
    }
    if scan.controls.saturating_mul(1000) > text.len().saturating_mul(CONTROL_PER_MILLE) {
        return Err(FileError::Binary {
            reason: "it is full of control characters, which text files do not contain".to_string(),
        });
    }
    let mut warnings = Vec::new();
    if lossy {
        warnings.push(DecodeWarning {
            code: "invalid_characters".to_string(),
            message: "some characters could not be read and show as \u{FFFD}: the file's bytes do \
                      not all match its encoding; check the preview and, if names look wrong, \
                      export the file again as \"CSV UTF-8\""
                .to_string(),
        });
    }
    if let Some(at) = scan.mojibake_at {
        let sample: String = text[at..].chars().take(3).collect();
        warnings.push(DecodeWarning {
            code: "mojibake".to_string(),
            message: format!(
                "the text contains garbled characters such as \"{sample}\" where accented letters \
                 or quotes should be: the file was probably saved twice with the wrong encoding; \
                 check the names in the preview and, if they look wrong, export the file again \
                 as \"CSV UTF-8\""
            ),
        });
    }
    Ok(Decoded {
        text,
        encoding,
        warnings,
    })
}

/// What the decoded text holds that a text file should not.
struct Scan {
    nul: bool,
    controls: usize,
    /// Byte offset of the first UTF-8-read-as-1252 sequence.
    mojibake_at: Option<usize>,
}

fn scan(text: &[u8]) -> Scan {
    Scan {
        nul: memchr::memchr(0, text).is_some(),
        // Counted a block at a time into a byte-wide counter, which the
        // compiler turns into vector adds: counting each byte into a
        // `usize` took ten times as long, a fifth of the engine's time on
        // a 10 MB file.
        controls: text
            .chunks(128)
            .map(|block| block.iter().fold(0u8, |n, &b| n + u8::from(is_control(b))))
            .map(usize::from)
            .sum(),
        // Every mojibake sequence starts with 0xC3 (`Ã`, `Â` or `â`).
        mojibake_at: memchr::memchr_iter(0xC3, text).find(|&at| is_mojibake(&text[at..])),
    }
}

/// A control character a text file should not hold: C0 but NUL (counted on
/// its own), tab, line breaks and form feed; and DEL.
fn is_control(b: u8) -> bool {
    (b < 0x20) & (b != 0) & (b != b'\t') & (b != b'\n') & (b != b'\r') & (b != 0x0C) | (b == 0x7F)
}

/// Whether `s` (starting at a 0xC3 byte) begins with what a UTF-8 lead byte
/// looks like when read as Windows-1252: `Ã`/`Â` followed by a 1252 character
/// from 0x80–0xBF (`Ã©`, `Ã±`, `Â°`), or `â€` (from `’`, `“`, `”`, `–`…).
fn is_mojibake(s: &[u8]) -> bool {
    match s {
        // 'Ã' (C3 83) or 'Â' (C3 82), then the continuation byte as 1252.
        [0xC3, 0x82 | 0x83, rest @ ..] => continuation_as_1252(rest),
        // 'â' (C3 A2) then '€' (E2 82 AC).
        [0xC3, 0xA2, 0xE2, 0x82, 0xAC, ..] => true,
        _ => false,
    }
}

/// Whether `s` starts with the UTF-8 form of a character that Windows-1252
/// maps from a byte in 0x80–0xBF.
fn continuation_as_1252(s: &[u8]) -> bool {
    match s {
        // U+00A0..=U+00BF: NBSP, ©, ®, °, ±, ¶, ·, ¼… (and C1 controls for
        // the 1252 holes 0x81, 0x8D, 0x8F, 0x90, 0x9D).
        [0xC2, 0x80..=0xBF, ..] => true,
        // Š š Œ œ Ž ž Ÿ ƒ
        [0xC5, 0x92 | 0x93 | 0xA0 | 0xA1 | 0xB8 | 0xBD | 0xBE, ..] => true,
        [0xC6, 0x92, ..] => true,
        // ˆ ˜
        [0xCB, 0x86 | 0x9C, ..] => true,
        // – — ‘ ’ ‚ “ ” „ † ‡ • … ‰ ‹ ›  (U+2013..=U+203A)
        [0xE2, 0x80, 0x93..=0xBA, ..] => true,
        // € ™
        [0xE2, 0x82, 0xAC, ..] | [0xE2, 0x84, 0xA2, ..] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary_reason(bytes: &[u8]) -> String {
        match decode(bytes) {
            Err(FileError::Binary { reason }) => reason,
            other => panic!("expected Binary, got {other:?}"),
        }
    }

    #[test]
    fn utf8_without_bom_is_borrowed() {
        let bytes = "name,city\nJosé,Zürich\n".as_bytes();
        let d = decode(bytes).unwrap();
        assert_eq!(d.encoding, TextEncoding::Utf8);
        assert!(matches!(d.text, Cow::Borrowed(_)));
        assert_eq!(d.text, "name,city\nJosé,Zürich\n");
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn utf8_bom_is_stripped_and_borrowed() {
        let d = decode(b"\xEF\xBB\xBFname\nJos\xC3\xA9\n").unwrap();
        assert_eq!(d.encoding, TextEncoding::Utf8Bom);
        assert!(matches!(d.text, Cow::Borrowed(_)));
        assert_eq!(d.text, "name\nJosé\n");
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            let b = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn utf16_le_with_bom() {
        let bytes = utf16("name\tcity\r\nJosé\tMünchen €\r\n", false);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, TextEncoding::Utf16Le);
        assert_eq!(d.text, "name\tcity\r\nJosé\tMünchen €\r\n");
    }

    #[test]
    fn utf16_be_with_bom() {
        let bytes = utf16("name,city\nJosé,Köln\n", true);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, TextEncoding::Utf16Be);
        assert_eq!(d.text, "name,city\nJosé,Köln\n");
    }

    #[test]
    fn bytes_that_do_not_fit_the_bom_are_replaced_and_warned_about() {
        let d = decode(b"\xEF\xBB\xBFname\nJos\xE9\n").unwrap();
        assert_eq!(d.encoding, TextEncoding::Utf8Bom);
        assert_eq!(d.text, "name\nJos\u{FFFD}\n");
        assert_eq!(d.warnings[0].code, "invalid_characters");
        // An unpaired surrogate in UTF-16.
        let d = decode(b"\xFF\xFEa\0\n\0\x00\xD8b\0").unwrap();
        assert_eq!(d.encoding, TextEncoding::Utf16Le);
        assert_eq!(d.text, "a\n\u{FFFD}b");
        assert_eq!(d.warnings[0].code, "invalid_characters");
        assert!(decode(b"name\nJos\xC3\xA9\n").unwrap().warnings.is_empty());
    }

    #[test]
    fn windows_1252_when_not_utf8() {
        // é = E9, ’ = 92, € = 80 in Windows-1252.
        let d = decode(b"name,note\nJos\xE9,it\x92s 5\x80\n").unwrap();
        assert_eq!(d.encoding, TextEncoding::Windows1252);
        assert_eq!(d.text, "name,note\nJosé,it’s 5€\n");
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn mojibake_is_warned_about() {
        for garbled in [
            "JosÃ©",
            "itâ€™s",
            "â€œquotedâ€",
            "PeÃ±a",
            "MÃ¼ller",
            "20Â°C",
        ] {
            let text = format!("name\n{garbled}\n");
            let d = decode(text.as_bytes()).unwrap();
            assert_eq!(d.warnings.len(), 1, "{garbled}");
            assert_eq!(d.warnings[0].code, "mojibake");
            assert!(d.warnings[0]
                .message
                .contains("saved twice with the wrong encoding"));
        }
        let d = decode("name\nJosé\n".as_bytes()).unwrap();
        assert!(d.warnings.is_empty());
        // Portuguese capitals followed by ASCII are not mojibake.
        let d = decode("city\nSÃO PAULO\nÂNGELA\n".as_bytes()).unwrap();
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn mojibake_in_windows_1252_bytes_is_warned_about_too() {
        // "Ã©" written as Windows-1252 bytes (C3 A9) next to a non-UTF-8 byte.
        let d = decode(b"name\nJos\xC3\xA9 \xE9\n").unwrap();
        assert_eq!(d.encoding, TextEncoding::Windows1252);
        assert_eq!(d.text, "name\nJosÃ© é\n");
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].message.contains("Ã©"));
    }

    #[test]
    fn empty_and_blank_input_is_empty() {
        assert_eq!(decode(b"").unwrap_err(), FileError::Empty);
        assert_eq!(decode(b"\xEF\xBB\xBF").unwrap_err(), FileError::Empty);
        assert_eq!(decode(b" \r\n\t\n").unwrap_err(), FileError::Empty);
        assert_eq!(decode(b"\xFF\xFE").unwrap_err(), FileError::Empty);
        assert_eq!(decode(&utf16("  \n", true)).unwrap_err(), FileError::Empty);
    }

    #[test]
    fn known_binary_formats_are_named() {
        assert_eq!(binary_reason(b"%PDF-1.7\n..."), "a PDF document");
        assert!(binary_reason(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0").contains(".xls"));
        assert_eq!(binary_reason(b"\x89PNG\r\n\x1A\n"), "a PNG image");
        assert_eq!(binary_reason(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), "a JPEG image");
        assert_eq!(binary_reason(b"GIF89a\x01\0"), "a GIF image");
        assert_eq!(binary_reason(b"\x1F\x8B\x08\0"), "a gzip-compressed file");
        assert_eq!(binary_reason(b"PK\x03\x04\x14\0"), "a ZIP archive");
    }

    #[test]
    fn nul_bytes_are_binary_even_in_utf16() {
        assert!(binary_reason(b"name,city\n\0\0\0\x01").contains("NUL"));
        // UTF-16 text holding a NUL character after decoding.
        assert!(binary_reason(&utf16("a,b\n\0,c\n", false)).contains("NUL"));
        // UTF-16 without a BOM reads as UTF-8 full of NULs.
        assert!(binary_reason(b"n\0a\0m\0e\0\n\0").contains("NUL"));
    }

    #[test]
    fn control_bytes_are_exactly_the_refused_ones() {
        let refused: Vec<u8> = (0..=255u8).filter(|&b| is_control(b)).collect();
        let expected: Vec<u8> = (1..0x20u8)
            .filter(|b| ![b'\t', b'\n', b'\r', 0x0C].contains(b))
            .chain([0x7F])
            .collect();
        assert_eq!(refused, expected);
    }

    #[test]
    fn findings_anywhere_in_the_text_are_seen() {
        let d = decode("name,abÃ©\n1\n".as_bytes()).unwrap();
        assert_eq!(d.warnings.len(), 1);
        // Mojibake late in the text, after a 0xC3 that is not mojibake.
        for at in [126, 127, 389] {
            let text = format!("ÃO{}Ã©\n", "a".repeat(at));
            let d = decode(text.as_bytes()).unwrap();
            assert_eq!(d.warnings.len(), 1, "{at}");
            assert!(d.warnings[0].message.contains("Ã©"), "{at}");
        }
        assert!(binary_reason(b"0123456789abcde\0").contains("NUL"));
        assert!(binary_reason(b"0123456789abcdefg\0").contains("NUL"));
    }

    #[test]
    fn many_control_characters_are_binary() {
        let mut bytes = b"name\n".to_vec();
        bytes.extend((0..40).flat_map(|_| [0x01u8, 0x02, b'a', 0x1B]));
        assert!(binary_reason(&bytes).contains("control characters"));
        // A stray one in a long text is tolerated.
        let mut text = "name,city\n".repeat(10).into_bytes();
        text.push(0x0B);
        text.extend_from_slice(b"\x0C\t\r\n");
        assert!(decode(&text).is_ok());
    }

    #[test]
    fn one_byte_that_is_not_utf8_makes_the_whole_file_windows_1252() {
        let text = "é€😀a,b\r\n".repeat(10_000);
        let decoded = decode(text.as_bytes()).unwrap();
        assert!(matches!(decoded.text, Cow::Borrowed(_)));
        assert_eq!(decoded.encoding, TextEncoding::Utf8);
        let mut bad = text.into_bytes();
        bad.push(0xE9);
        assert_eq!(decode(&bad).unwrap().encoding, TextEncoding::Windows1252);
    }
}

//! Bytes to text: UTF-8 (with or without BOM), UTF-16 by BOM, and Excel's
//! Windows-1252 when the bytes are not UTF-8.

use crate::file_error::FileError;
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

/// Decodes a whole file, rejecting empty and binary input.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, FileError> {
    let _ = bytes;
    todo!()
}

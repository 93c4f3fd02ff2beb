//! Opaque page cursors: base64url JSON, so clients pass them back as they
//! are and the server may change what is inside.

use crate::error::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn encode<T: Serialize>(position: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

pub fn decode<T: DeserializeOwned>(cursor: &str) -> Result<T, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "the cursor is not one this API gave: pass `next_cursor` back as it is",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_a_400() {
        let cursor = encode(&(7u32, "imp-1"));
        assert_eq!(
            decode::<(u32, String)>(&cursor).unwrap(),
            (7, "imp-1".to_string())
        );
        assert!(matches!(
            decode::<(u32, String)>("%%%"),
            Err(ApiError::BadRequest { .. })
        ));
        assert!(matches!(
            decode::<u32>(&encode(&"text")),
            Err(ApiError::BadRequest { .. })
        ));
    }
}

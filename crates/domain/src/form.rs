//! Form bodies (`application/x-www-form-urlencoded`), as SMS providers post them.

use std::collections::HashMap;

/// Reads an `application/x-www-form-urlencoded` body strictly: every name and value must be
/// UTF-8 once decoded (a lossy decoding would store text the patient never sent), and a name
/// given twice is refused.
pub fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_string())?;
    let mut fields = HashMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name)?;
        let value = percent_decode(value)?;
        if fields.insert(name.clone(), value).is_some() {
            return Err(format!("the field {name} is given twice"));
        }
    }
    Ok(fields)
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3).ok_or("a % escape is cut short")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("'%{hex}' is not an escape"))?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "a field is not UTF-8 once decoded".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_strictly() {
        let f = parse_form(b"From=%2B14155550123&Body=Fever+since+Tuesday%21&MessageSid=SM1").expect("reads");
        assert_eq!(f["From"], "+14155550123");
        assert_eq!(f["Body"], "Fever since Tuesday!");
        assert!(parse_form(b"Body=%FF%FE").expect_err("refused").contains("UTF-8"));
        assert!(parse_form(&[0x42, 0x6f, 0x64, 0x79, 0x3d, 0xff]).expect_err("refused").contains("UTF-8"));
        assert!(parse_form(b"Body=%4").is_err());
        assert!(parse_form(b"Body=a&Body=b").expect_err("refused").contains("twice"));
        assert_eq!(parse_form(b"Body=caf%C3%A9").expect("reads")["Body"], "café");
    }
}

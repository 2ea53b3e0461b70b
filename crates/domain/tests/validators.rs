//! Every validator against valid and invalid vectors: checksum edge cases, the `X` check
//! digit, full-width input, 4-byte characters, and no panic on hostile strings.

use time::macros::date;
use xinbao_domain::validate::{self, limits};
use xinbao_domain::{mask, money, Code};

const TODAY: time::Date = date!(2026 - 11 - 24);

fn code<T: std::fmt::Debug>(r: Result<T, xinbao_domain::Invalid>) -> Code {
    r.expect_err("should be invalid").code
}

#[test]
fn uscc_valid_vectors_including_letter_and_zero_check_chars() {
    for ok in [
        "91350100M000100Y43",
        "91110000802100433B",
        "91330782MA2EC0X3X3",
        "12100000400000770U",
    ] {
        assert_eq!(validate::uscc(ok).unwrap(), ok);
    }
    // Lower case, full width, spaces: normalised first.
    assert_eq!(
        validate::uscc(" 91350100m000100y43 ").unwrap(),
        "91350100M000100Y43"
    );
    assert_eq!(
        validate::uscc("９１３５０１００Ｍ０００１００Ｙ４３").unwrap(),
        "91350100M000100Y43"
    );
    // Check characters computed to 0 (31 - 0 → 0) must be accepted.
    let first17 = "00000000000000000";
    assert_eq!(validate::uscc_check_char(first17), Some('0'));
    assert!(validate::uscc("000000000000000000").is_ok());
}

#[test]
fn uscc_invalid_vectors() {
    assert_eq!(code(validate::uscc("91350100M000100Y44")), Code::UsccCheck);
    assert_eq!(code(validate::uscc("91350100M000100Y4")), Code::UsccLength);
    assert_eq!(
        code(validate::uscc("91350100M000100Y433")),
        Code::UsccLength
    );
    assert_eq!(
        code(validate::uscc("91350100I000100Y43")),
        Code::UsccCharset
    );
    assert_eq!(
        code(validate::uscc("91350100O000100Y43")),
        Code::UsccCharset
    );
    assert_eq!(
        code(validate::uscc("91350100𠀀000100Y43")),
        Code::UsccCharset
    );
    assert_eq!(code(validate::uscc("")), Code::Required);
    // Transposed digits change the check character.
    assert_eq!(code(validate::uscc("91531000M000100Y43")), Code::UsccCheck);
}

#[test]
fn resident_id_vectors() {
    assert_eq!(
        validate::resident_id("11010519491231002X", TODAY).unwrap(),
        "11010519491231002X"
    );
    assert_eq!(
        validate::resident_id("11010519491231002x", TODAY).unwrap(),
        "11010519491231002X"
    );
    assert_eq!(
        validate::resident_id("１１０１０５１９４９１２３１００２ｘ", TODAY).unwrap(),
        "11010519491231002X"
    );
    assert_eq!(
        code(validate::resident_id("440524188001010014", TODAY)),
        Code::IdBirthDate,
        "born before 1900"
    );
    assert!(
        validate::resident_id("110101200002290018", TODAY).is_ok(),
        "29 Feb 2000 exists"
    );
    assert_eq!(
        code(validate::resident_id("110105194912310021", TODAY)),
        Code::IdCheck
    );
    assert_eq!(
        code(validate::resident_id("11010519491231002", TODAY)),
        Code::IdLength
    );
    assert_eq!(
        code(validate::resident_id("1101051949123100X2", TODAY)),
        Code::IdCharset
    );
    assert_eq!(
        code(validate::resident_id("110101190002290017", TODAY)),
        Code::IdBirthDate,
        "1900 was no leap year"
    );
    assert_eq!(
        code(validate::resident_id("110101202613010010", TODAY)),
        Code::IdBirthDate
    );
    assert_eq!(
        code(validate::resident_id("110101203001010010", TODAY)),
        Code::IdBirthDate,
        "born in the future"
    );
    assert_eq!(
        code(validate::resident_id("11010518991231002X", TODAY)),
        Code::IdBirthDate
    );
    assert_eq!(
        code(validate::resident_id("1101051949123100２𝟘", TODAY)),
        Code::IdCharset,
        "a 4-byte digit is no digit"
    );
}

#[test]
fn mobile_vectors() {
    for (input, want) in [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１９９１２３４５６７８", "19912345678"),
    ] {
        assert_eq!(validate::mobile(input).unwrap(), want, "{input}");
    }
    for bad in [
        "12800138000",
        "1380013800",
        "138001380000",
        "23800138000",
        "1.38E",
        "E+10",
        "１３８😀",
    ] {
        assert_eq!(code(validate::mobile(bad)), Code::MobileFormat, "{bad}");
    }
    // What a spreadsheet shows for a number it rounded: the digits are gone, say so.
    assert_eq!(code(validate::mobile("1.38E+10")), Code::MobileScientific);
    assert_eq!(
        code(validate::mobile("1.3800138e10")),
        Code::MobileScientific
    );
}

#[test]
fn customs_number_vectors() {
    assert_eq!(
        validate::customs_no("292920260000012345").unwrap(),
        "292920260000012345"
    );
    assert_eq!(
        validate::customs_no(" 2929 2026 0 000012345 ").unwrap(),
        "292920260000012345"
    );
    assert_eq!(
        code(validate::customs_no("292920261000012345")),
        Code::CustomsNotExport
    );
    assert_eq!(
        code(validate::customs_no("292920262000012345")),
        Code::CustomsFormat
    );
    assert_eq!(
        code(validate::customs_no("29292026000001234")),
        Code::CustomsFormat
    );
    assert_eq!(
        code(validate::customs_no("29292026000001234A")),
        Code::CustomsFormat
    );
    assert_eq!(
        code(validate::customs_no("292919990000012345")),
        Code::CustomsYear
    );
    assert_eq!(
        validate::customs_no("２９２９２０２６０００００１２３4５").unwrap(),
        "292920260000012345"
    );
}

#[test]
fn passport_vectors() {
    assert_eq!(validate::passport(" e1234 5678 ").unwrap(), "E12345678");
    assert_eq!(validate::passport("Ｇ１２３４５").unwrap(), "G12345");
    assert_eq!(code(validate::passport("E123")), Code::PassportFormat);
    assert_eq!(
        code(validate::passport("E1234567890123456789X")),
        Code::PassportFormat
    );
    assert_eq!(code(validate::passport("E1234-567")), Code::PassportFormat);
    assert_eq!(code(validate::passport("护照12345")), Code::PassportFormat);
}

#[test]
fn country_by_code_or_name() {
    assert_eq!(validate::country("US").unwrap().alpha2, "US");
    assert_eq!(validate::country("美国").unwrap().alpha2, "US");
    assert_eq!(validate::country(" united states ").unwrap().alpha2, "US");
    assert_eq!(validate::country("ＲＵ").unwrap().alpha2, "RU");
    assert_eq!(code(validate::country("Atlantis")), Code::CountryUnknown);
    assert_eq!(code(validate::country("𠀀")), Code::CountryUnknown);
}

#[test]
fn month_spellings() {
    for s in [
        "2026-03",
        "2026-3",
        "2026/3",
        "2026.03",
        "2026年3月",
        "202603",
        "２０２６－０３",
    ] {
        assert_eq!(validate::month(s).unwrap().to_string(), "2026-03", "{s}");
        assert_eq!(validate::month(s).unwrap().to_text(), "2026-03", "{s}");
    }
    for s in ["2000-01", "2099-12", "2010-10"] {
        assert_eq!(validate::month(s).unwrap().to_text(), s);
    }
    assert_eq!(code(validate::month("2026-13")), Code::MonthRange);
    assert_eq!(code(validate::month("2026-00")), Code::MonthRange);
    assert_eq!(code(validate::month("1999-12")), Code::MonthRange);
    assert_eq!(code(validate::month("March 2026")), Code::MonthFormat);
    assert_eq!(code(validate::month("26-03")), Code::MonthFormat);
    assert_eq!(code(validate::month("2026-003")), Code::MonthFormat);
    assert_eq!(code(validate::month("2026年")), Code::MonthFormat);
}

#[test]
fn positive_whole_numbers() {
    assert_eq!(validate::positive_int("12").unwrap(), 12);
    assert_eq!(validate::positive_int("1,000").unwrap(), 1000);
    assert_eq!(validate::positive_int("１２").unwrap(), 12);
    assert_eq!(validate::positive_int("12.0").unwrap(), 12);
    assert_eq!(code(validate::positive_int("0")), Code::IntNotPositive);
    assert_eq!(code(validate::positive_int("-3")), Code::IntNotPositive);
    assert_eq!(code(validate::positive_int("1.5")), Code::IntFormat);
    assert_eq!(code(validate::positive_int("abc")), Code::IntFormat);
    assert_eq!(
        code(validate::positive_int("99999999999999999999")),
        Code::IntTooLarge
    );
}

#[test]
fn money_in_cents() {
    assert_eq!(money::parse("1,234.50").unwrap().0, 123_450);
    assert_eq!(money::parse("１２３４.５").unwrap().0, 123_450);
    assert_eq!(money::parse("$1234.5").unwrap().0, 123_450);
    assert_eq!(code(money::parse("1.005")), Code::MoneyDecimals);
    assert_eq!(code(money::parse("-1")), Code::MoneyNegative);
}

#[test]
fn password_policy() {
    assert!(validate::password("abc12345").is_ok());
    assert!(validate::password("abc!@#$%").is_ok());
    assert!(validate::password("1234!@#$").is_ok());
    assert_eq!(code(validate::password("abcdefgh")), Code::PasswordClasses);
    assert_eq!(code(validate::password("12345678")), Code::PasswordClasses);
    assert_eq!(code(validate::password("ab12")), Code::PasswordLength);
    assert_eq!(
        code(validate::password("abcdefghij1234567890x")),
        Code::PasswordLength
    );
    assert_eq!(code(validate::password("abc 12345")), Code::PasswordCharset);
    assert_eq!(
        code(validate::password("密码abc12345")),
        Code::PasswordCharset
    );
}

#[test]
fn text_lengths_count_characters_not_bytes() {
    let name: String = "𠀀".repeat(limits::MERCHANT_NAME);
    assert_eq!(validate::text(&name, limits::MERCHANT_NAME).unwrap(), name);
    let long = format!("{name}x");
    assert_eq!(
        code(validate::text(&long, limits::MERCHANT_NAME)),
        Code::TooLong
    );
    assert_eq!(validate::text(" 张三\r\n 商行 ", 10).unwrap(), "张三 商行");
}

#[test]
fn masks_personal_numbers() {
    assert_eq!(mask::passport("E12345689"), "E1*****89");
    assert_eq!(mask::mobile("13800138000"), "13*******00");
}

/// Hostile strings: no validator may panic, whatever the input.
#[test]
fn no_validator_panics_on_any_input() {
    let mut inputs: Vec<String> = vec![
        String::new(),
        " ".into(),
        "\u{0}".into(),
        "𠀀".repeat(18),
        "é".repeat(18),
        "ẞ".repeat(11),
        "１".repeat(18),
        "9".repeat(400),
        "-".into(),
        "+".into(),
        ".".into(),
        ",,,".into(),
        "$".into(),
        "年月".into(),
        "2026年".into(),
        "﻿".into(),
        "\u{202E}12345".into(),
        "0x10".into(),
    ];
    // A deterministic mix of ASCII, full-width and 2-, 3- and 4-byte characters.
    let alphabet: Vec<char> = "0123456789X-.,/年月 $１２Ｘ𠀀é😀\u{3000}".chars().collect();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..5000 {
        let mut s = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 24) as usize;
        for k in 0..len {
            s.push(alphabet[((seed >> (k % 50)) as usize + k * 7) % alphabet.len()]);
        }
        inputs.push(s);
    }
    for s in &inputs {
        let _ = validate::uscc(s);
        let _ = validate::resident_id(s, TODAY);
        let _ = validate::mobile(s);
        let _ = validate::customs_no(s);
        let _ = validate::passport(s);
        let _ = validate::country(s);
        let _ = validate::month(s);
        let _ = validate::positive_int(s);
        let _ = validate::password(s);
        let _ = validate::text(s, 5);
        let _ = money::parse(s);
        let _ = mask::passport(s);
        let _ = mask::mobile(s);
    }
}

#[test]
fn a_row_is_kept_only_whole_and_says_why_not_under_its_grid_path() {
    use xinbao_domain::LineForm;
    let typed = LineForm {
        merchant_name: "义乌市小商品经营部".into(),
        mobile: "1390013900".into(),
        order_month: "2026/3".into(),
        ..Default::default()
    };
    let (line, errors) = typed.keep_check(2);
    assert_eq!(line.order_month.as_deref(), Some("2026-03"));
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    // The wrong mobile once (not also as missing), then every empty required field.
    assert_eq!(
        fields,
        [
            "lines[2].mobile",
            "lines[2].product_name",
            "lines[2].quantity",
            "lines[2].packages",
            "lines[2].amount"
        ]
    );
    assert_eq!(errors[0].code, Code::MobileFormat);
    assert!(errors[1..].iter().all(|e| e.code == Code::Required));
    let whole = LineForm {
        mobile: "13900139000".into(),
        product_name: "袜子".into(),
        quantity: "10".into(),
        packages: "1".into(),
        amount: "12.50".into(),
        ..typed
    };
    assert!(whole.keep_check(2).1.is_empty());
}

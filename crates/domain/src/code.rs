//! Stable error codes. The UI and the CLI branch on these strings and the translation
//! tables (`ui/i18n/*.json`, key `error.<code>`) give them words: never rename one.

use serde::Serialize;

macro_rules! codes {
    ($($variant:ident => $text:literal),* $(,)?) => {
        /// A stable, machine-readable reason. `as_str()` is what crosses every boundary.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text),* }
            }
        }
    };
}

codes! {
    Required => "required",
    TooLong => "too_long",
    UsccLength => "uscc.length",
    UsccCharset => "uscc.charset",
    UsccCheck => "uscc.check",
    IdLength => "id.length",
    IdCharset => "id.charset",
    IdBirthDate => "id.birth_date",
    IdCheck => "id.check",
    MobileFormat => "mobile.format",
    MobileScientific => "mobile.scientific",
    CustomsFormat => "customs.format",
    CustomsYear => "customs.year",
    CustomsNotExport => "customs.not_export",
    OrderNoFormat => "order_no.format",
    PassportFormat => "passport.format",
    CountryUnknown => "country.unknown",
    MonthFormat => "month.format",
    MonthRange => "month.range",
    IntFormat => "int.format",
    IntNotPositive => "int.not_positive",
    IntTooLarge => "int.too_large",
    MoneyFormat => "money.format",
    MoneyNegative => "money.negative",
    MoneyZero => "money.zero",
    MoneyDecimals => "money.decimals",
    MoneyTooLarge => "money.too_large",
    PasswordLength => "password.length",
    PasswordClasses => "password.classes",
    PasswordCharset => "password.charset",
    CellError => "cell.error",
    ConfirmNoLines => "confirm.no_lines",
    ConfirmLineUnlinked => "confirm.line_unlinked",
    ConfirmLinkOtherMerchant => "confirm.link_other_merchant",
    ConfirmSumMismatch => "confirm.sum_mismatch",
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that failed a format rule: the code, and an English sentence for logs and the
/// command line (the UI words come from the translation tables by code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub code: Code,
    pub message: String,
}

impl Invalid {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Invalid {
            code,
            message: message.into(),
        }
    }

    /// Attaches the field this value belongs to.
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            code: self.code,
            message: self.message,
        }
    }
}

/// A failure tied to one field of a form, e.g. `buyer.passport_no` or `lines[2].mobile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub code: Code,
    pub message: String,
}

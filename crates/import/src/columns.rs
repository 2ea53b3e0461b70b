//! The columns of a transaction list: the template's Chinese headers, the aliases clerks'
//! files use, and the rules the template and its 说明 sheet state.

use xinbao_domain::normalize;

pub struct Column {
    /// The line field (see `xinbao_domain::order::LINE_FIELDS`).
    pub field: &'static str,
    pub header: &'static str,
    pub required: bool,
    /// Other names the column goes by in merchants' and clerks' files (Chinese and English).
    pub aliases: &'static [&'static str],
    pub rule_zh: &'static str,
    pub rule_en: &'static str,
}

/// In the template's order, which is also `LINE_FIELDS`' order.
pub const COLUMNS: [Column; 9] = [
    Column {
        field: "procurement_no",
        header: "商户采购号",
        required: false,
        aliases: &["采购号", "市场采购号", "商户编号", "商戶採購號", "採購號", "procurement no", "procurement number"],
        rule_zh: "选填；商户在平台注册的采购号，最长30个字符",
        rule_en: "Optional; the merchant's procurement number on the platform, at most 30 characters",
    },
    Column {
        field: "merchant_name",
        header: "商户名",
        required: true,
        aliases: &["商户名称", "商户姓名", "商户", "经营户", "供应商", "商戶名", "商戶名稱", "供應商", "merchant", "merchant name"],
        rule_zh: "必填；最长50个字符",
        rule_en: "Required; at most 50 characters",
    },
    Column {
        field: "mobile",
        header: "手机号",
        required: true,
        aliases: &["手机", "手机号码", "商户手机号", "联系电话", "电话", "手機號", "手機", "手機號碼", "電話", "mobile", "phone"],
        rule_zh: "必填；11位大陆手机号，以13–19开头；请设为文本格式，避免变成科学计数法",
        rule_en: "Required; 11-digit mainland mobile starting 13–19; keep the column as text so it never turns into 1.38E+10",
    },
    Column {
        field: "order_month",
        header: "下单月份",
        required: true,
        aliases: &["月份", "下单月", "订单月份", "下单日期", "日期", "下單月份", "訂單月份", "下單日期", "month", "order month"],
        rule_zh: "必填；文本 YYYY-MM，如 2026-03（也接受 2026/3、2026年3月、202603 和日期单元格）",
        rule_en: "Required; text YYYY-MM such as 2026-03 (2026/3, 2026年3月, 202603 and date cells are accepted too)",
    },
    Column {
        field: "product_name",
        header: "品名",
        required: true,
        aliases: &["商品名称", "货物名称", "商品", "产品名称", "品名名称", "product", "product name"],
        rule_zh: "必填；最长100个字符",
        rule_en: "Required; at most 100 characters",
    },
    Column {
        field: "quantity",
        header: "数量",
        required: true,
        aliases: &["商品数量", "數量", "商品數量", "quantity", "qty"],
        rule_zh: "必填；大于0的整数",
        rule_en: "Required; a whole number above zero",
    },
    Column {
        field: "packages",
        header: "总件数",
        required: true,
        aliases: &["件数", "箱数", "总箱数", "總件數", "件數", "箱數", "packages", "cartons"],
        rule_zh: "必填；大于0的整数",
        rule_en: "Required; a whole number above zero",
    },
    Column {
        field: "amount",
        header: "总金额（美元）",
        required: true,
        aliases: &["总金额", "总金额(美元)", "金额", "金额(美元)", "總金額(美元)", "總金額", "金額", "美元金额", "总价", "amount", "amount(usd)", "total(usd)"],
        rule_zh: "必填；美元，至少0.01，最多两位小数",
        rule_en: "Required; US dollars, at least 0.01, at most two decimals",
    },
    Column {
        field: "note",
        header: "备注",
        required: false,
        aliases: &["说明", "備註", "說明", "note", "remark", "remarks"],
        rule_zh: "选填；最长200个字符",
        rule_en: "Optional; at most 200 characters",
    },
];

/// How a header cell is compared: full-width folded, spaces and required-markers removed,
/// Chinese brackets as ASCII, lower case.
pub fn header_key(text: &str) -> String {
    normalize::compact(text)
        .replace(['（', '【', '['], "(")
        .replace(['）', '】', ']'], ")")
        .trim_matches(|c| c == '*' || c == ':' || c == '：')
        .trim_start_matches('*')
        .to_lowercase()
}

/// The field a header names, by its exact template name or an alias.
pub fn field_for_header(text: &str) -> Option<&'static Column> {
    let key = header_key(text);
    if key.is_empty() {
        return None;
    }
    COLUMNS
        .iter()
        .find(|c| header_key(c.header) == key)
        .or_else(|| {
            COLUMNS
                .iter()
                .find(|c| c.aliases.iter().any(|a| header_key(a) == key))
        })
}

/// The template's headers of the required columns, in its order.
pub fn required_headers() -> Vec<&'static str> {
    COLUMNS
        .iter()
        .filter(|c| c.required)
        .map(|c| c.header)
        .collect()
}

/// A header that is none of the names a column goes by, but close to one (品名称, 商品名,
/// 货品名称 for 品名): the column whose name or alias shares the most characters with it,
/// when that is most of both and no other column is as close. Never one of `taken`. The
/// mapping step shows it as a guess and asks before it is used.
pub fn guess_for_header(text: &str, taken: &[&str]) -> Option<&'static Column> {
    let key: Vec<char> = header_key(text).chars().collect();
    if key.len() < 2 {
        return None;
    }
    let score = |name: &str| -> f64 {
        let mut name: Vec<char> = header_key(name).chars().collect();
        let mut shared = 0usize;
        for c in &key {
            if let Some(i) = name.iter().position(|n| n == c) {
                name.swap_remove(i);
                shared += 1;
            }
        }
        let longer = key.len().max(shared + name.len());
        if shared < 2 {
            0.0
        } else {
            shared as f64 / longer as f64
        }
    };
    let mut scored: Vec<(f64, &'static Column)> = COLUMNS
        .iter()
        .filter(|c| !taken.contains(&c.field))
        .map(|c| {
            let best = std::iter::once(c.header)
                .chain(c.aliases.iter().copied())
                .map(score)
                .fold(0.0, f64::max);
            (best, c)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    match scored.as_slice() {
        [(best, c), rest @ ..]
            if *best >= GUESS_AT_LEAST && rest.first().is_none_or(|(next, _)| next < best) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// How much of the longer of two names must be shared for a guess.
const GUESS_AT_LEAST: f64 = 0.6;

pub fn column(field: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.field == field)
}

/// The hidden marker the template carries in its header row: `XINBAO-TEMPLATE:v1`.
pub const TEMPLATE_MARKER: &str = "XINBAO-TEMPLATE:v";
pub const TEMPLATE_VERSION: u32 = 1;

pub fn template_version(text: &str) -> Option<u32> {
    text.trim().strip_prefix(TEMPLATE_MARKER)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_miss_headers_are_guessed_and_others_are_not() {
        let guess = |h: &str| guess_for_header(h, &[]).map(|c| c.field);
        assert_eq!(guess("品名称"), Some("product_name"));
        assert_eq!(guess("商品名"), Some("product_name"));
        assert_eq!(guess("货品名称"), Some("product_name"));
        assert_eq!(guess("商户名字"), Some("merchant_name"));
        assert_eq!(guess("手机号吗"), Some("mobile"));
        assert_eq!(guess("下单年月"), Some("order_month"));
        assert_eq!(guess("总件数量"), Some("packages"));
        // Nothing like any column, or too short to tell.
        assert_eq!(guess("颜色"), None);
        assert_eq!(guess("尺码"), None);
        assert_eq!(guess("名"), None);
        assert_eq!(guess("义乌市信保示范贸易有限公司交易清单"), None);
        // A column already found by its name is not guessed a second time.
        assert_eq!(
            guess_for_header("品名称", &["product_name"]).map(|c| c.field),
            None
        );
    }

    #[test]
    fn headers_match_by_name_and_alias() {
        assert_eq!(field_for_header("商户名").unwrap().field, "merchant_name");
        assert_eq!(
            field_for_header(" 商户名称 ").unwrap().field,
            "merchant_name"
        );
        assert_eq!(
            field_for_header("*商户姓名").unwrap().field,
            "merchant_name"
        );
        assert_eq!(field_for_header("金额").unwrap().field, "amount");
        assert_eq!(field_for_header("总金额（美元）").unwrap().field, "amount");
        assert_eq!(field_for_header("Amount (USD)").unwrap().field, "amount");
        assert_eq!(field_for_header("手机号码：").unwrap().field, "mobile");
        assert!(field_for_header("颜色").is_none());
        assert!(
            field_for_header("品名称").is_none(),
            "not a name, only close to one"
        );
        assert!(field_for_header("").is_none());
        assert_eq!(template_version("XINBAO-TEMPLATE:v1"), Some(1));
    }
}

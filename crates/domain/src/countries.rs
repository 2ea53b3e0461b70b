//! ISO 3166-1 country table (all 249 officially assigned alpha-2 codes)
//! with simplified-Chinese (customs / trade usage) and common English names.

/// One ISO 3166-1 entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    pub alpha2: &'static str,
    pub alpha3: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

const fn c(
    alpha2: &'static str,
    alpha3: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
) -> Country {
    Country {
        alpha2,
        alpha3,
        name_zh,
        name_en,
    }
}

/// All officially assigned ISO 3166-1 codes, sorted by `alpha2`.
pub static COUNTRIES: &[Country] = &[
    // A (16)
    c("AD", "AND", "安道尔", "Andorra"),
    c("AE", "ARE", "阿联酋", "United Arab Emirates"),
    c("AF", "AFG", "阿富汗", "Afghanistan"),
    c("AG", "ATG", "安提瓜和巴布达", "Antigua and Barbuda"),
    c("AI", "AIA", "安圭拉", "Anguilla"),
    c("AL", "ALB", "阿尔巴尼亚", "Albania"),
    c("AM", "ARM", "亚美尼亚", "Armenia"),
    c("AO", "AGO", "安哥拉", "Angola"),
    c("AQ", "ATA", "南极洲", "Antarctica"),
    c("AR", "ARG", "阿根廷", "Argentina"),
    c("AS", "ASM", "美属萨摩亚", "American Samoa"),
    c("AT", "AUT", "奥地利", "Austria"),
    c("AU", "AUS", "澳大利亚", "Australia"),
    c("AW", "ABW", "阿鲁巴", "Aruba"),
    c("AX", "ALA", "奥兰群岛", "Åland Islands"),
    c("AZ", "AZE", "阿塞拜疆", "Azerbaijan"),
    // B (21)
    c(
        "BA",
        "BIH",
        "波斯尼亚和黑塞哥维那",
        "Bosnia and Herzegovina",
    ),
    c("BB", "BRB", "巴巴多斯", "Barbados"),
    c("BD", "BGD", "孟加拉国", "Bangladesh"),
    c("BE", "BEL", "比利时", "Belgium"),
    c("BF", "BFA", "布基纳法索", "Burkina Faso"),
    c("BG", "BGR", "保加利亚", "Bulgaria"),
    c("BH", "BHR", "巴林", "Bahrain"),
    c("BI", "BDI", "布隆迪", "Burundi"),
    c("BJ", "BEN", "贝宁", "Benin"),
    c("BL", "BLM", "圣巴泰勒米", "Saint Barthélemy"),
    c("BM", "BMU", "百慕大", "Bermuda"),
    c("BN", "BRN", "文莱", "Brunei"),
    c("BO", "BOL", "玻利维亚", "Bolivia"),
    c("BQ", "BES", "荷兰加勒比区", "Caribbean Netherlands"),
    c("BR", "BRA", "巴西", "Brazil"),
    c("BS", "BHS", "巴哈马", "Bahamas"),
    c("BT", "BTN", "不丹", "Bhutan"),
    c("BV", "BVT", "布韦岛", "Bouvet Island"),
    c("BW", "BWA", "博茨瓦纳", "Botswana"),
    c("BY", "BLR", "白俄罗斯", "Belarus"),
    c("BZ", "BLZ", "伯利兹", "Belize"),
    // C (19)
    c("CA", "CAN", "加拿大", "Canada"),
    c("CC", "CCK", "科科斯（基林）群岛", "Cocos (Keeling) Islands"),
    c("CD", "COD", "刚果（金）", "DR Congo"),
    c("CF", "CAF", "中非", "Central African Republic"),
    c("CG", "COG", "刚果（布）", "Republic of the Congo"),
    c("CH", "CHE", "瑞士", "Switzerland"),
    c("CI", "CIV", "科特迪瓦", "Côte d'Ivoire"),
    c("CK", "COK", "库克群岛", "Cook Islands"),
    c("CL", "CHL", "智利", "Chile"),
    c("CM", "CMR", "喀麦隆", "Cameroon"),
    c("CN", "CHN", "中国", "China"),
    c("CO", "COL", "哥伦比亚", "Colombia"),
    c("CR", "CRI", "哥斯达黎加", "Costa Rica"),
    c("CU", "CUB", "古巴", "Cuba"),
    c("CV", "CPV", "佛得角", "Cape Verde"),
    c("CW", "CUW", "库拉索", "Curaçao"),
    c("CX", "CXR", "圣诞岛", "Christmas Island"),
    c("CY", "CYP", "塞浦路斯", "Cyprus"),
    c("CZ", "CZE", "捷克", "Czechia"),
    // D (6)
    c("DE", "DEU", "德国", "Germany"),
    c("DJ", "DJI", "吉布提", "Djibouti"),
    c("DK", "DNK", "丹麦", "Denmark"),
    c("DM", "DMA", "多米尼克", "Dominica"),
    c("DO", "DOM", "多米尼加", "Dominican Republic"),
    c("DZ", "DZA", "阿尔及利亚", "Algeria"),
    // E (7)
    c("EC", "ECU", "厄瓜多尔", "Ecuador"),
    c("EE", "EST", "爱沙尼亚", "Estonia"),
    c("EG", "EGY", "埃及", "Egypt"),
    c("EH", "ESH", "西撒哈拉", "Western Sahara"),
    c("ER", "ERI", "厄立特里亚", "Eritrea"),
    c("ES", "ESP", "西班牙", "Spain"),
    c("ET", "ETH", "埃塞俄比亚", "Ethiopia"),
    // F (6)
    c("FI", "FIN", "芬兰", "Finland"),
    c("FJ", "FJI", "斐济", "Fiji"),
    c("FK", "FLK", "马尔维纳斯群岛（福克兰）", "Falkland Islands"),
    c("FM", "FSM", "密克罗尼西亚联邦", "Micronesia"),
    c("FO", "FRO", "法罗群岛", "Faroe Islands"),
    c("FR", "FRA", "法国", "France"),
    // G (19)
    c("GA", "GAB", "加蓬", "Gabon"),
    c("GB", "GBR", "英国", "United Kingdom"),
    c("GD", "GRD", "格林纳达", "Grenada"),
    c("GE", "GEO", "格鲁吉亚", "Georgia"),
    c("GF", "GUF", "法属圭亚那", "French Guiana"),
    c("GG", "GGY", "根西岛", "Guernsey"),
    c("GH", "GHA", "加纳", "Ghana"),
    c("GI", "GIB", "直布罗陀", "Gibraltar"),
    c("GL", "GRL", "格陵兰", "Greenland"),
    c("GM", "GMB", "冈比亚", "Gambia"),
    c("GN", "GIN", "几内亚", "Guinea"),
    c("GP", "GLP", "瓜德罗普", "Guadeloupe"),
    c("GQ", "GNQ", "赤道几内亚", "Equatorial Guinea"),
    c("GR", "GRC", "希腊", "Greece"),
    c(
        "GS",
        "SGS",
        "南乔治亚岛和南桑威奇群岛",
        "South Georgia and the South Sandwich Islands",
    ),
    c("GT", "GTM", "危地马拉", "Guatemala"),
    c("GU", "GUM", "关岛", "Guam"),
    c("GW", "GNB", "几内亚比绍", "Guinea-Bissau"),
    c("GY", "GUY", "圭亚那", "Guyana"),
    // H (6)
    c("HK", "HKG", "中国香港", "Hong Kong"),
    c(
        "HM",
        "HMD",
        "赫德岛和麦克唐纳群岛",
        "Heard Island and McDonald Islands",
    ),
    c("HN", "HND", "洪都拉斯", "Honduras"),
    c("HR", "HRV", "克罗地亚", "Croatia"),
    c("HT", "HTI", "海地", "Haiti"),
    c("HU", "HUN", "匈牙利", "Hungary"),
    // I (10)
    c("ID", "IDN", "印度尼西亚", "Indonesia"),
    c("IE", "IRL", "爱尔兰", "Ireland"),
    c("IL", "ISR", "以色列", "Israel"),
    c("IM", "IMN", "马恩岛", "Isle of Man"),
    c("IN", "IND", "印度", "India"),
    c(
        "IO",
        "IOT",
        "英属印度洋领地",
        "British Indian Ocean Territory",
    ),
    c("IQ", "IRQ", "伊拉克", "Iraq"),
    c("IR", "IRN", "伊朗", "Iran"),
    c("IS", "ISL", "冰岛", "Iceland"),
    c("IT", "ITA", "意大利", "Italy"),
    // J (4)
    c("JE", "JEY", "泽西岛", "Jersey"),
    c("JM", "JAM", "牙买加", "Jamaica"),
    c("JO", "JOR", "约旦", "Jordan"),
    c("JP", "JPN", "日本", "Japan"),
    // K (11)
    c("KE", "KEN", "肯尼亚", "Kenya"),
    c("KG", "KGZ", "吉尔吉斯斯坦", "Kyrgyzstan"),
    c("KH", "KHM", "柬埔寨", "Cambodia"),
    c("KI", "KIR", "基里巴斯", "Kiribati"),
    c("KM", "COM", "科摩罗", "Comoros"),
    c("KN", "KNA", "圣基茨和尼维斯", "Saint Kitts and Nevis"),
    c("KP", "PRK", "朝鲜", "North Korea"),
    c("KR", "KOR", "韩国", "South Korea"),
    c("KW", "KWT", "科威特", "Kuwait"),
    c("KY", "CYM", "开曼群岛", "Cayman Islands"),
    c("KZ", "KAZ", "哈萨克斯坦", "Kazakhstan"),
    // L (11)
    c("LA", "LAO", "老挝", "Laos"),
    c("LB", "LBN", "黎巴嫩", "Lebanon"),
    c("LC", "LCA", "圣卢西亚", "Saint Lucia"),
    c("LI", "LIE", "列支敦士登", "Liechtenstein"),
    c("LK", "LKA", "斯里兰卡", "Sri Lanka"),
    c("LR", "LBR", "利比里亚", "Liberia"),
    c("LS", "LSO", "莱索托", "Lesotho"),
    c("LT", "LTU", "立陶宛", "Lithuania"),
    c("LU", "LUX", "卢森堡", "Luxembourg"),
    c("LV", "LVA", "拉脱维亚", "Latvia"),
    c("LY", "LBY", "利比亚", "Libya"),
    // M (23)
    c("MA", "MAR", "摩洛哥", "Morocco"),
    c("MC", "MCO", "摩纳哥", "Monaco"),
    c("MD", "MDA", "摩尔多瓦", "Moldova"),
    c("ME", "MNE", "黑山", "Montenegro"),
    c("MF", "MAF", "法属圣马丁", "Saint Martin (French part)"),
    c("MG", "MDG", "马达加斯加", "Madagascar"),
    c("MH", "MHL", "马绍尔群岛", "Marshall Islands"),
    c("MK", "MKD", "北马其顿", "North Macedonia"),
    c("ML", "MLI", "马里", "Mali"),
    c("MM", "MMR", "缅甸", "Myanmar"),
    c("MN", "MNG", "蒙古", "Mongolia"),
    c("MO", "MAC", "中国澳门", "Macao"),
    c("MP", "MNP", "北马里亚纳群岛", "Northern Mariana Islands"),
    c("MQ", "MTQ", "马提尼克", "Martinique"),
    c("MR", "MRT", "毛里塔尼亚", "Mauritania"),
    c("MS", "MSR", "蒙特塞拉特", "Montserrat"),
    c("MT", "MLT", "马耳他", "Malta"),
    c("MU", "MUS", "毛里求斯", "Mauritius"),
    c("MV", "MDV", "马尔代夫", "Maldives"),
    c("MW", "MWI", "马拉维", "Malawi"),
    c("MX", "MEX", "墨西哥", "Mexico"),
    c("MY", "MYS", "马来西亚", "Malaysia"),
    c("MZ", "MOZ", "莫桑比克", "Mozambique"),
    // N (12)
    c("NA", "NAM", "纳米比亚", "Namibia"),
    c("NC", "NCL", "新喀里多尼亚", "New Caledonia"),
    c("NE", "NER", "尼日尔", "Niger"),
    c("NF", "NFK", "诺福克岛", "Norfolk Island"),
    c("NG", "NGA", "尼日利亚", "Nigeria"),
    c("NI", "NIC", "尼加拉瓜", "Nicaragua"),
    c("NL", "NLD", "荷兰", "Netherlands"),
    c("NO", "NOR", "挪威", "Norway"),
    c("NP", "NPL", "尼泊尔", "Nepal"),
    c("NR", "NRU", "瑙鲁", "Nauru"),
    c("NU", "NIU", "纽埃", "Niue"),
    c("NZ", "NZL", "新西兰", "New Zealand"),
    // O (1)
    c("OM", "OMN", "阿曼", "Oman"),
    // P (14)
    c("PA", "PAN", "巴拿马", "Panama"),
    c("PE", "PER", "秘鲁", "Peru"),
    c("PF", "PYF", "法属波利尼西亚", "French Polynesia"),
    c("PG", "PNG", "巴布亚新几内亚", "Papua New Guinea"),
    c("PH", "PHL", "菲律宾", "Philippines"),
    c("PK", "PAK", "巴基斯坦", "Pakistan"),
    c("PL", "POL", "波兰", "Poland"),
    c("PM", "SPM", "圣皮埃尔和密克隆", "Saint Pierre and Miquelon"),
    c("PN", "PCN", "皮特凯恩群岛", "Pitcairn Islands"),
    c("PR", "PRI", "波多黎各", "Puerto Rico"),
    c("PS", "PSE", "巴勒斯坦", "Palestine"),
    c("PT", "PRT", "葡萄牙", "Portugal"),
    c("PW", "PLW", "帕劳", "Palau"),
    c("PY", "PRY", "巴拉圭", "Paraguay"),
    // Q (1)
    c("QA", "QAT", "卡塔尔", "Qatar"),
    // R (5)
    c("RE", "REU", "留尼汪", "Réunion"),
    c("RO", "ROU", "罗马尼亚", "Romania"),
    c("RS", "SRB", "塞尔维亚", "Serbia"),
    c("RU", "RUS", "俄罗斯", "Russia"),
    c("RW", "RWA", "卢旺达", "Rwanda"),
    // S (21)
    c("SA", "SAU", "沙特阿拉伯", "Saudi Arabia"),
    c("SB", "SLB", "所罗门群岛", "Solomon Islands"),
    c("SC", "SYC", "塞舌尔", "Seychelles"),
    c("SD", "SDN", "苏丹", "Sudan"),
    c("SE", "SWE", "瑞典", "Sweden"),
    c("SG", "SGP", "新加坡", "Singapore"),
    c(
        "SH",
        "SHN",
        "圣赫勒拿",
        "Saint Helena, Ascension and Tristan da Cunha",
    ),
    c("SI", "SVN", "斯洛文尼亚", "Slovenia"),
    c("SJ", "SJM", "斯瓦尔巴和扬马延", "Svalbard and Jan Mayen"),
    c("SK", "SVK", "斯洛伐克", "Slovakia"),
    c("SL", "SLE", "塞拉利昂", "Sierra Leone"),
    c("SM", "SMR", "圣马力诺", "San Marino"),
    c("SN", "SEN", "塞内加尔", "Senegal"),
    c("SO", "SOM", "索马里", "Somalia"),
    c("SR", "SUR", "苏里南", "Suriname"),
    c("SS", "SSD", "南苏丹", "South Sudan"),
    c("ST", "STP", "圣多美和普林西比", "São Tomé and Príncipe"),
    c("SV", "SLV", "萨尔瓦多", "El Salvador"),
    c("SX", "SXM", "荷属圣马丁", "Sint Maarten (Dutch part)"),
    c("SY", "SYR", "叙利亚", "Syria"),
    c("SZ", "SWZ", "斯威士兰", "Eswatini"),
    // T (16)
    c(
        "TC",
        "TCA",
        "特克斯和凯科斯群岛",
        "Turks and Caicos Islands",
    ),
    c("TD", "TCD", "乍得", "Chad"),
    c("TF", "ATF", "法属南部领地", "French Southern Territories"),
    c("TG", "TGO", "多哥", "Togo"),
    c("TH", "THA", "泰国", "Thailand"),
    c("TJ", "TJK", "塔吉克斯坦", "Tajikistan"),
    c("TK", "TKL", "托克劳", "Tokelau"),
    c("TL", "TLS", "东帝汶", "Timor-Leste"),
    c("TM", "TKM", "土库曼斯坦", "Turkmenistan"),
    c("TN", "TUN", "突尼斯", "Tunisia"),
    c("TO", "TON", "汤加", "Tonga"),
    c("TR", "TUR", "土耳其", "Turkey"),
    c("TT", "TTO", "特立尼达和多巴哥", "Trinidad and Tobago"),
    c("TV", "TUV", "图瓦卢", "Tuvalu"),
    c("TW", "TWN", "中国台湾", "Taiwan"),
    c("TZ", "TZA", "坦桑尼亚", "Tanzania"),
    // U (6)
    c("UA", "UKR", "乌克兰", "Ukraine"),
    c("UG", "UGA", "乌干达", "Uganda"),
    c(
        "UM",
        "UMI",
        "美国本土外小岛屿",
        "United States Minor Outlying Islands",
    ),
    c("US", "USA", "美国", "United States"),
    c("UY", "URY", "乌拉圭", "Uruguay"),
    c("UZ", "UZB", "乌兹别克斯坦", "Uzbekistan"),
    // V (7)
    c("VA", "VAT", "梵蒂冈", "Vatican City"),
    c(
        "VC",
        "VCT",
        "圣文森特和格林纳丁斯",
        "Saint Vincent and the Grenadines",
    ),
    c("VE", "VEN", "委内瑞拉", "Venezuela"),
    c("VG", "VGB", "英属维尔京群岛", "British Virgin Islands"),
    c("VI", "VIR", "美属维尔京群岛", "U.S. Virgin Islands"),
    c("VN", "VNM", "越南", "Vietnam"),
    c("VU", "VUT", "瓦努阿图", "Vanuatu"),
    // W (2)
    c("WF", "WLF", "瓦利斯和富图纳", "Wallis and Futuna"),
    c("WS", "WSM", "萨摩亚", "Samoa"),
    // Y (2)
    c("YE", "YEM", "也门", "Yemen"),
    c("YT", "MYT", "马约特", "Mayotte"),
    // Z (3)
    c("ZA", "ZAF", "南非", "South Africa"),
    c("ZM", "ZMB", "赞比亚", "Zambia"),
    c("ZW", "ZWE", "津巴布韦", "Zimbabwe"),
];

/// Normalise a name for comparison: trim, Unicode lowercase, full-width
/// parentheses/spaces to ASCII, and common Latin accents stripped so that
/// "curacao" matches "Curaçao". Never panics.
fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|ch| match ch {
            '（' => '(',
            '）' => ')',
            '\u{3000}' => ' ',
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            other => other,
        })
        .collect()
}

/// Case-insensitive ASCII prefix test on bytes; safe for any input.
fn code_has_prefix(code: &str, prefix: &str) -> bool {
    let c = code.as_bytes();
    let p = prefix.as_bytes();
    match c.get(..p.len()) {
        Some(head) => head.eq_ignore_ascii_case(p),
        None => false,
    }
}

/// Look up by ISO alpha-2 code (ASCII case-insensitive, surrounding
/// whitespace ignored). Returns `None` for anything that is not exactly two
/// ASCII letters. Never panics.
pub fn by_alpha2(code: &str) -> Option<&'static Country> {
    let bytes = code.trim().as_bytes();
    if bytes.len() != 2 || !bytes.iter().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let key = [bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase()];
    let table: &'static [Country] = COUNTRIES;
    table
        .binary_search_by(|c| c.alpha2.as_bytes().cmp(&key[..]))
        .ok()
        .and_then(|i| table.get(i))
}

/// Look up by ISO alpha-3 code (ASCII case-insensitive). Never panics.
pub fn by_alpha3(code: &str) -> Option<&'static Country> {
    let bytes = code.trim().as_bytes();
    if bytes.len() != 3 || !bytes.iter().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    COUNTRIES
        .iter()
        .find(|c| c.alpha3.as_bytes().eq_ignore_ascii_case(bytes))
}

/// Resolve an exact match on alpha-2, alpha-3, Chinese name or English name
/// (case-insensitive). For HK / MO / TW the Chinese name without the leading
/// "中国" (e.g. "香港") is also accepted. Never panics.
pub fn find(query: &str) -> Option<&'static Country> {
    let q = query.trim();
    if q.is_empty() {
        return None;
    }
    if let Some(c) = by_alpha2(q) {
        return Some(c);
    }
    if let Some(c) = by_alpha3(q) {
        return Some(c);
    }
    let fq = fold(q);
    if let Some(c) = COUNTRIES.iter().find(|c| fold(c.name_zh) == fq) {
        return Some(c);
    }
    if let Some(c) = COUNTRIES.iter().find(|c| fold(c.name_en) == fq) {
        return Some(c);
    }
    COUNTRIES
        .iter()
        .find(|c| match c.name_zh.strip_prefix("中国") {
            Some(rest) if !rest.is_empty() => fold(rest) == fq,
            _ => false,
        })
}

/// Country-picker search: substring match on Chinese or English name
/// (case-insensitive) or prefix match on alpha-2 / alpha-3 codes.
/// An empty (or whitespace-only) query returns every country.
/// Results are ordered: exact code/name matches first, then code or name
/// prefix matches, then other substring matches; ties keep table order.
pub fn search(query: &str) -> Vec<&'static Country> {
    let q = query.trim();
    if q.is_empty() {
        return COUNTRIES.iter().collect();
    }
    let fq = fold(q);
    let mut hits: Vec<(u8, &'static Country)> = COUNTRIES
        .iter()
        .filter_map(|c| {
            let zh = fold(c.name_zh);
            let en = fold(c.name_en);
            let code_exact = c.alpha2.eq_ignore_ascii_case(q) || c.alpha3.eq_ignore_ascii_case(q);
            let code_prefix = code_has_prefix(c.alpha2, q) || code_has_prefix(c.alpha3, q);
            let rank = if code_exact || zh == fq || en == fq {
                0
            } else if code_prefix || zh.starts_with(&fq) || en.starts_with(&fq) {
                1
            } else if zh.contains(&fq) || en.contains(&fq) {
                2
            } else {
                return None;
            };
            Some((rank, c))
        })
        .collect();
    hits.sort_by_key(|&(rank, _)| rank);
    hits.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn count_is_249() {
        assert_eq!(COUNTRIES.len(), 249);
    }

    #[test]
    fn alpha2_unique_sorted_uppercase() {
        let mut seen = HashSet::new();
        for c in COUNTRIES {
            assert_eq!(c.alpha2.len(), 2, "{:?}", c);
            assert!(c.alpha2.bytes().all(|b| b.is_ascii_uppercase()), "{:?}", c);
            assert!(seen.insert(c.alpha2), "duplicate alpha2 {}", c.alpha2);
        }
        for w in COUNTRIES.windows(2) {
            assert!(
                w[0].alpha2 < w[1].alpha2,
                "not sorted: {} {}",
                w[0].alpha2,
                w[1].alpha2
            );
        }
    }

    #[test]
    fn alpha3_unique_uppercase() {
        let mut seen = HashSet::new();
        for c in COUNTRIES {
            assert_eq!(c.alpha3.len(), 3, "{:?}", c);
            assert!(c.alpha3.bytes().all(|b| b.is_ascii_uppercase()), "{:?}", c);
            assert!(seen.insert(c.alpha3), "duplicate alpha3 {}", c.alpha3);
        }
    }

    #[test]
    fn chinese_names_unique_nonempty() {
        let mut seen = HashSet::new();
        for c in COUNTRIES {
            assert!(!c.name_zh.trim().is_empty(), "{:?}", c);
            assert!(!c.name_en.trim().is_empty(), "{:?}", c);
            assert!(seen.insert(c.name_zh), "duplicate name_zh {}", c.name_zh);
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(by_alpha2("us").map(|c| c.name_zh), Some("美国"));
        assert_eq!(by_alpha2(" Cn ").map(|c| c.alpha3), Some("CHN"));
        assert_eq!(find("美国").map(|c| c.alpha2), Some("US"));
        assert_eq!(find("USA").map(|c| c.alpha2), Some("US"));
        assert_eq!(find("usa").map(|c| c.alpha2), Some("US"));
        assert_eq!(find("united states").map(|c| c.alpha2), Some("US"));
        assert_eq!(find("香港").map(|c| c.alpha2), Some("HK"));
        assert_eq!(find("中国").map(|c| c.alpha2), Some("CN"));
        assert_eq!(find("刚果(金)").map(|c| c.alpha2), Some("CD"));
        assert_eq!(find("curacao").map(|c| c.alpha2), Some("CW"));
    }

    #[test]
    fn no_panic_on_odd_input() {
        assert!(by_alpha2("中国").is_none());
        assert!(by_alpha2("中").is_none());
        assert!(by_alpha2("").is_none());
        assert!(by_alpha2("é").is_none());
        assert!(by_alpha2("USA").is_none());
        assert!(find("").is_none());
        assert!(find("中").is_none());
        assert!(find("\u{0}\u{ffff}").is_none());
        assert!(find("ééé").is_none());
        let _ = search("中");
        let _ = search("é");
        let _ = search("\u{10ffff}xyz");
    }

    #[test]
    fn search_behaviour() {
        assert_eq!(search("").len(), 249);
        assert_eq!(search("   ").len(), 249);
        let r = search("us");
        assert_eq!(r.first().map(|c| c.alpha2), Some("US"));
        assert!(search("美").iter().any(|c| c.alpha2 == "US"));
        assert!(search("kingdom").iter().any(|c| c.alpha2 == "GB"));
        assert!(search("zzzzqq").is_empty());
    }
}

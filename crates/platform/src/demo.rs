//! `--demo`: a company registry, one activated demo company with a known password,
//! merchants, merchant orders sent to it over several months, and settlement
//! authorizations. Idempotent: a second start seeds nothing.

use crate::admin::{self, NewMerchantOrder};
use crate::error::ApiErr;
use rusqlite::{params, Connection};

/// The demo company (already activated).
pub const COMPANY_USCC: &str = "91330782MA2D3M0A1E";
pub const COMPANY_NAME: &str = "义乌市信保示范贸易有限公司";
pub const PASSWORD: &str = "Xinbao#2026";
pub const MOBILE: &str = "13805790001";
pub const PROCUREMENT_NO: &str = "YW2026000001";

/// Companies in the registry that have not registered yet (for the registration flow).
pub const UNREGISTERED: [(&str, &str, &str, &str); 3] = [
    (
        "91330782MA2D3M0B2J",
        "义乌市稠城进出口有限公司",
        "陈美华",
        "330782198505050026",
    ),
    (
        "91330782MA2D3M0C3N",
        "义乌市福田外贸有限公司",
        "刘强",
        "330782199009090031",
    ),
    (
        "91330782MA2D3M0D4T",
        "义乌市北苑国际贸易有限公司",
        "周敏",
        "330782197512120040",
    ),
];

/// Merchants: (procurement number, name, mobile).
pub const MERCHANTS: [(&str, &str, &str); 8] = [
    ("3307820001", "义乌市小商品经营部", "13905790001"),
    ("3307820002", "义乌市稠城饰品商行", "13905790002"),
    ("3307820003", "义乌市福田玩具店", "13905790003"),
    ("3307820004", "义乌市国际商贸城五金行", "13905790004"),
    ("3307820005", "义乌市节庆用品批发部", "13905790005"),
    ("3307820006", "义乌市箱包经营部", "13905790006"),
    ("3307820007", "义乌市工艺礼品商行", "13905790007"),
    ("3307820008", "义乌市文具用品店", "13905790008"),
];

const PRODUCTS: [&str; 8] = [
    "圣诞装饰品",
    "发饰",
    "毛绒玩具",
    "五金工具",
    "节庆彩旗",
    "旅行箱包",
    "工艺礼品",
    "文具套装",
];
const MONTHS: [&str; 6] = [
    "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
];

pub fn seed(conn: &mut Connection) -> Result<(), ApiErr> {
    let seeded: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM companies WHERE uscc = ?1)",
        [COMPANY_USCC],
        |r| r.get(0),
    )?;
    if seeded {
        return Ok(());
    }
    admin::add_registry(
        conn,
        COMPANY_USCC,
        COMPANY_NAME,
        "王建国",
        "330782198001010012",
    )?;
    for (uscc, name, rep, id) in UNREGISTERED {
        admin::add_registry(conn, uscc, name, rep, id)?;
    }
    let hash = crate::accounts::hash_password(PASSWORD)?;
    conn.execute(
        "INSERT INTO companies (uscc, procurement_no, company_name, contact_name, mobile, email, office_address,
                                password_hash, activated_at)
         VALUES (?1, ?2, ?3, '李丽', ?4, 'demo@example.com', '义乌市福田街道国际商贸城一区', ?5, ?6)",
        params![COMPANY_USCC, PROCUREMENT_NO, COMPANY_NAME, MOBILE, hash, crate::db::now_ms()],
    )?;
    for (no, name, mobile) in MERCHANTS {
        admin::add_merchant(conn, no, name, mobile)?;
    }
    // Each merchant sent orders in each month: amounts that differ so linking is realistic.
    let mut n = 0;
    for (mi, month) in MONTHS.iter().enumerate() {
        for (i, (no, _, _)) in MERCHANTS.iter().enumerate() {
            n += 1;
            let cents = 50_000 + ((i * 7 + mi * 13) % 40) as i64 * 12_500;
            let amount = xinbao_domain::Cents(cents).plain();
            let id = format!("MO-2026{:02}-{:04}", 6 + mi, n);
            admin::add_merchant_order(
                conn,
                &NewMerchantOrder {
                    id: Some(&id),
                    company_uscc: COMPANY_USCC,
                    procurement_no: no,
                    month,
                    amount: &amount,
                    buyer_name: Some(
                        ["IVANOV PETR", "GARCIA MARIA", "SMITH JOHN", "KOWALSKI ANNA"][n % 4],
                    ),
                    product_name: Some(PRODUCTS[i]),
                    quantity: Some(100 + (n as i64 * 37) % 900),
                    packages: Some(1 + (n as i64 * 3) % 40),
                },
            )?;
            if mi < 2 && i < 4 {
                admin::add_authorization(conn, COMPANY_USCC, &id, &amount)?;
            }
        }
    }
    Ok(())
}
